/**
 * The cluster job with Debian's PyTorch (CPU, Gloo): the job the app exports, trained by its own train.py under
 * torchrun, and the encoder brought back. The app's encoder and the PyTorch one give the same h; two processes
 * train the same steps as one; both augmentations draw from the same ranges; and the whole round trip ends in
 * the app's predictions.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterExportResult, EncoderImportResult, JobSnapshot } from '../../../src/shared/contract';
import * as tf from '@tensorflow/tfjs';
import { pixelBatch } from '../../../src/main/engine/data/batches';
import { Engine } from '../../../src/main/engine/engine';
import { buildEncoder } from '../../../src/main/engine/ml/model/encoder';
import { drawViewParams, resolveAugmentOptions } from '../../../src/main/engine/ml/model/augment';
import { Rng } from '../../../src/main/engine/ml/rng';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';
import { projectRoot } from '../../helpers/packaging';
import { readNpy } from '../../helpers/npy';
import { systemPython, trainerArgs } from '../../helpers/python';

const run = promisify(execFile);
const engine = new Engine({ backend: 'wasm' });
after(() => engine.close());

const work = tempDir('simclr-cluster-');
const tiny = { encoder: 'resnet-tiny', imageSize: 16, batchSize: 8, epochs: 1, seed: 3 } as const;

async function finished(job: Promise<JobSnapshot>): Promise<JobSnapshot> {
  const final = await engine.waitForJob((await job).id);
  assert.equal(final.state, 'done', final.error);
  return final;
}

/** h of every image the app has embedded, by image id. */
function appEmbeddings(): Map<number, Float32Array> {
  return new Map(engine.store.outputs.embeddings().map(({ imageId, vector }) => [imageId, vector]));
}

/** A float32 .npy matrix [n, d] as its rows. */
function readNpyRows(path: string): Float32Array[] {
  const { shape: [rows, dim], values } = readNpy(path);
  return Array.from({ length: rows! }, (_, row) => values.subarray(row * dim!, (row + 1) * dim!));
}

/** Image id of each manifest row. */
function manifestIds(jobDir: string): number[] {
  return readFileSync(join(jobDir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]));
}

function maxDifference(a: Map<number, Float32Array>, b: Map<number, Float32Array>): number {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let worst = 0;
  for (const [id, row] of a) row.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - b.get(id)![i]!))));
  return worst;
}

/** The trainer as a user starts it: train.py in the job folder, with torchrun for several processes. */
function trainer(jobDir: string, args: string[], processes = 1) {
  return run(systemPython, trainerArgs(processes, args), { cwd: jobDir, timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
}

function jsonLines(path: string): { step: number; loss: number }[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; loss: number });
}

let projectJob: ClusterExportResult;

before(async () => {
  await generateSampleFolder(join(work, 'images'), { perClass: 8, size: 24, seed: 4 });
  await engine.openProject({ dir: join(work, 'project') });
  await finished(engine.importFolder({ folder: join(work, 'images'), labelsFromSubfolders: true }));
  await finished(engine.startPretrain({ ...tiny, resume: false }));
  await finished(engine.startEmbed({ neighbors: 5 }));
  const exported = await finished(engine.startClusterExport({ ...tiny, outDir: join(work, 'job-from-project'), initialWeights: 'project', replace: false }));
  projectJob = exported.result as ClusterExportResult;
});

test("the job holds the project's images, their ids and hashes, and the run's settings", () => {
  const job = JSON.parse(readFileSync(join(projectJob.dir, 'job.json'), 'utf8'));
  assert.equal(job.images, 32);
  assert.deepEqual(job.shards, [{ file: 'shards/shard-00000.npy', images: 32 }]);
  assert.equal(job.config.options.encoder, 'resnet-tiny');
  assert.deepEqual(job.config.architecture, { block: 'basic', widths: [8, 16, 32, 64], blocksPerStage: [1, 1, 1, 1], imagenetStem: false, representationDim: 64 });
  assert.deepEqual(job.config.augment, resolveAugmentOptions({ ...job.config.options.augment, colorStrength: job.config.options.colorStrength }, 16));
  const ids = manifestIds(projectJob.dir);
  assert.deepEqual([...ids].sort((a, b) => a - b), engine.store.images.ids());
  const firstRow = readFileSync(join(projectJob.dir, 'manifest.csv'), 'utf8').split('\n')[1]!.split(',');
  assert.equal(firstRow[2], engine.store.images.hashes([ids[0]!]).get(ids[0]!));
  assert.equal(projectJob.command, 'torchrun --nproc_per_node=N train.py');
});

test("the app's encoder, loaded in PyTorch, gives the app's h within 1e-4; imported back, the same h again", { timeout: 300_000 }, async () => {
  const before = appEmbeddings();
  await trainer(projectJob.dir, ['--embed', join(work, 'h-torch.npy')]);
  const ids = manifestIds(projectJob.dir);
  const torch = new Map(readNpyRows(join(work, 'h-torch.npy')).map((row, index) => [ids[index]!, row]));
  const difference = maxDifference(before, torch);
  assert.ok(difference < 1e-4, `PyTorch's h differs from the app's by up to ${difference}`);
  console.log(`# h from PyTorch vs the app: largest difference ${difference.toExponential(2)} over ${before.size} images`);

  const imported = await finished(engine.startEncoderImport({ path: join(projectJob.dir, 'init.safetensors') }));
  assert.equal((imported.result as EncoderImportResult).encoder, 'resnet-tiny');
  await finished(engine.startEmbed({ neighbors: 5 }));
  const again = maxDifference(before, appEmbeddings());
  assert.ok(again < 1e-6, `after the round trip h moved by ${again}`);
});

test('with the ImageNet stem (7×7 stride-2 conv, max-pool) PyTorch pads as TensorFlow does: resnet18 at 72 px gives the same h', { timeout: 300_000 }, async () => {
  const options = { encoder: 'resnet18', imageSize: 72, batchSize: 8, epochs: 1, seed: 9 } as const;
  const exported = await finished(engine.startClusterExport({ ...options, outDir: join(work, 'job-resnet18'), initialWeights: 'fresh', replace: false }));
  const job = exported.result as ClusterExportResult;
  await trainer(job.dir, ['--embed', join(work, 'h-resnet18.npy')]);
  const torch = readNpyRows(join(work, 'h-resnet18.npy'));
  // The job's fresh weights are the seed's: the same encoder, built here, on the shard's own bytes.
  const encoder = buildEncoder('resnet18', 72, 9);
  const shard = readFileSync(join(job.dir, 'shards', 'shard-00000.npy'));
  const pixels = new Uint8Array(shard.buffer, shard.byteOffset + 10 + shard.readUInt16LE(8), 32 * 72 * 72 * 3);
  const app = tf.tidy(() => (encoder.predict(pixelBatch(pixels, 32, 72)) as tf.Tensor2D).arraySync());
  encoder.dispose();
  let worst = 0;
  app.forEach((row, index) => row.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - torch[index]![i]!)))));
  assert.ok(worst < 1e-4, `resnet18's h differs by up to ${worst}`);
});

test('two processes under torchrun train the same first steps as one process on the same batches', { timeout: 300_000 }, async () => {
  await trainer(projectJob.dir, ['--steps', '2', '--log-json', join(work, 'one.jsonl'), '--out', join(work, 'run-one')]);
  await trainer(projectJob.dir, ['--steps', '2', '--log-json', join(work, 'two.jsonl'), '--out', join(work, 'run-two')], 2);
  const one = jsonLines(join(work, 'one.jsonl'));
  const two = jsonLines(join(work, 'two.jsonl'));
  assert.deepEqual(two.map((line) => line.step), [1, 2]);
  one.forEach((line, index) => assert.ok(Math.abs(line.loss - two[index]!.loss) < 1e-4, `step ${line.step}: ${line.loss} alone, ${two[index]!.loss} on two processes`));
  assert.ok(one[0]!.loss > 0 && Number.isFinite(one[1]!.loss));
  console.log(`# losses alone ${one.map((l) => l.loss.toFixed(6)).join(', ')}; on two processes ${two.map((l) => l.loss.toFixed(6)).join(', ')}`);
});

test('a run stopped after 2 steps resumes from its checkpoint and trains steps 3–4 as an uninterrupted run does', { timeout: 300_000 }, async () => {
  const straight = join(work, 'straight.jsonl');
  const resumed = join(work, 'resumed.jsonl');
  await trainer(projectJob.dir, ['--steps', '4', '--log-json', straight, '--out', join(work, 'run-straight')]);
  await trainer(projectJob.dir, ['--steps', '2', '--log-json', resumed, '--out', join(work, 'run-resumed')]);
  const { stdout } = await trainer(projectJob.dir, ['--steps', '4', '--log-json', resumed, '--out', join(work, 'run-resumed')]);
  assert.match(stdout, /resuming at step 2/);
  const a = jsonLines(straight);
  const b = jsonLines(resumed);
  assert.deepEqual(b.map((line) => line.step), [1, 2, 3, 4]);
  a.forEach((line, index) => assert.ok(Math.abs(line.loss - b[index]!.loss) < 1e-5, `step ${line.step}: ${line.loss} straight, ${b[index]!.loss} resumed`));
});

test('the PyTorch augmentation draws every parameter from the same ranges as the app', { timeout: 120_000 }, async () => {
  const side = 64; // large enough for blur, which the app leaves out at 32 px and below
  const options = resolveAugmentOptions({ colorStrength: 0.7, grayscaleProb: 0.3 }, side);
  const count = 4000;
  const summarise = `
import json, sys
from simclr_job.augment import draw_view_params, view_rng
options = json.loads(sys.argv[1])
params = [draw_view_params(view_rng(11, 0, row, 0), 48, 40, ${side}, options) for row in range(${count})]
print(json.dumps(params))`;
  const { stdout } = await run(systemPython, ['-c', summarise, JSON.stringify(options)], { cwd: join(projectRoot, 'resources', 'cluster'), maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  type Params = { box: number[]; flip: boolean; jitter: { brightness: number; contrast: number; saturation: number; hue: number; order: string[] } | null; grayscale: boolean; blurSigma: number | null };
  const torch = JSON.parse(stdout) as Params[];
  const app = drawViewParams(new Rng(11), count, 48, 40, side, options) as Params[];

  const features: Record<string, (p: Params) => number | null> = {
    'crop area': (p) => Math.abs((p.box[2]! - p.box[0]!) * (p.box[3]! - p.box[1]!)),
    'crop aspect': (p) => Math.log((Math.abs(p.box[3]! - p.box[1]!) * 40) / ((p.box[2]! - p.box[0]!) * 48)),
    'crop top': (p) => p.box[0]!,
    brightness: (p) => p.jitter?.brightness ?? null,
    contrast: (p) => p.jitter?.contrast ?? null,
    saturation: (p) => p.jitter?.saturation ?? null,
    hue: (p) => p.jitter?.hue ?? null,
    'blur sigma': (p) => p.blurSigma,
  };
  // Two-sample Kolmogorov–Smirnov at α = 0.001.
  for (const [name, feature] of Object.entries(features)) {
    const a = app.map(feature).filter((v): v is number => v !== null).sort((x, y) => x - y);
    const b = torch.map(feature).filter((v): v is number => v !== null).sort((x, y) => x - y);
    let i = 0;
    let j = 0;
    let statistic = 0;
    while (i < a.length && j < b.length) {
      if (a[i]! <= b[j]!) i++;
      else j++;
      statistic = Math.max(statistic, Math.abs(i / a.length - j / b.length));
    }
    const critical = 1.95 * Math.sqrt((a.length + b.length) / (a.length * b.length));
    assert.ok(statistic < critical, `${name}: KS statistic ${statistic.toFixed(4)} ≥ ${critical.toFixed(4)}`);
  }
  const rates: Record<string, (p: Params) => boolean> = {
    flip: (p) => p.flip,
    'colour jitter': (p) => p.jitter !== null,
    grayscale: (p) => p.grayscale,
    blur: (p) => p.blurSigma !== null,
    'brightness first': (p) => p.jitter?.order[0] === 'brightness',
  };
  for (const [name, happened] of Object.entries(rates)) {
    const p = app.filter(happened).length / count;
    const q = torch.filter(happened).length / count;
    const pooled = (p + q) / 2;
    assert.ok(Math.abs(p - q) < 4 * Math.sqrt((2 * pooled * (1 - pooled)) / count), `${name}: ${p} in the app, ${q} in PyTorch`);
  }
  const hues = torch.flatMap((p) => (p.jitter ? [p.jitter.hue] : []));
  assert.ok(Math.max(...hues.map(Math.abs)) <= 0.2 * 0.7, 'hue stays within ±0.2 s');
});

test('round trip: export a fresh job, train it with torchrun on 2 processes, import it, and the app predicts with it', { timeout: 400_000 }, async () => {
  const exported = await finished(engine.startClusterExport({ ...tiny, outDir: join(work, 'job-fresh'), initialWeights: 'fresh', replace: false }));
  const job = exported.result as ClusterExportResult;
  const started = Date.now();
  const { stdout } = await trainer(job.dir, ['--epochs', '2', '--log-every', '4'], 2);
  const seconds = (Date.now() - started) / 1000;
  assert.match(stdout, /done at step 8/);
  console.log(`# 2-process CPU run: 8 steps of batch 8 in ${seconds.toFixed(1)} s with start-up (${(8 / seconds).toFixed(2)} steps/s)`);

  const imported = await finished(engine.startEncoderImport({ path: join(job.dir, 'run', 'encoder.safetensors') }));
  const result = imported.result as EncoderImportResult;
  assert.deepEqual([result.jobId, result.step, result.encoder], [job.jobId, 8, 'resnet-tiny']);
  assert.match(result.trainer, /^pytorch /);
  const status = await engine.status();
  assert.equal(status.hasPretrainedEncoder, true);
  assert.ok(status.stale.includes('embeddings'), 'the embeddings of the old encoder are stale');

  await finished(engine.startEmbed({ neighbors: 5 }));
  await finished(engine.startFinetune({ epochs: 3 }));
  const after = await engine.status();
  assert.equal(after.predictions, 32);
  assert.deepEqual(after.stale, []);

  const shipped = await finished(engine.startExport({ outDir: join(work, 'export'), formats: ['tfjs'], encoder: false, embeddings: false, imageFolder: 'none', replace: false }));
  assert.equal(shipped.state, 'done');
  const card = readFileSync(join(work, 'export', 'MODEL_CARD.md'), 'utf8');
  assert.match(card, new RegExp(`Pretrained outside the app by the cluster job ${job.jobId} \\(pytorch [^)]+\\): 8 steps, 2 epochs`));
  assert.doesNotMatch(card, /Pretraining run \d+/, 'the in-app run that the import replaced is not described as this encoder');
});

test('a file that is not a job encoder is refused with the reason, and the project keeps its encoder', async () => {
  const encoderBefore = readFileSync(join(work, 'project', 'models', 'pretrain', 'encoder', 'weights.bin'));
  const notWeights = join(work, 'notes.safetensors');
  await import('node:fs/promises').then((fs) => fs.writeFile(notWeights, 'hello'));
  const job = await engine.waitForJob((await engine.startEncoderImport({ path: notWeights })).id);
  assert.equal(job.state, 'failed');
  assert.match(job.error ?? '', /notes\.safetensors: not a safetensors weights file/);
  assert.deepEqual(readFileSync(join(work, 'project', 'models', 'pretrain', 'encoder', 'weights.bin')), encoderBefore);
});
