/**
 * The cluster job's trainer on this machine, through the product's path:
 *   npm run bench:cluster -- [--train 2000] [--steps 20] [--batch 64] [--encoder resnet-mini] [--image-size 32] [--root DIR]
 * Fashion-MNIST PNGs (bench:quality's folder) are imported into a fresh project; the cluster-export job writes the
 * PyTorch job; its train.py then runs `steps` steps as one process and under torchrun as two (Gloo on the CPU, the
 * same global batch), each timed after its first step (start-up and the first step's allocations excluded); the
 * import job brings the two-process encoder back. Prints one JSON object. Needs Debian's python3-torch (or
 * SIMCLR_PYTHON pointing at a Python with PyTorch).
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { ClusterExportResult, EncoderImportResult, JobSnapshot } from '../src/shared/contract';
import { systemPython, trainerArgs } from '../tests/helpers/python';
import { loadFashionMnist } from './quality/fashion-mnist';
import { asImageSet, firstOf, writeBenchFolder } from './quality/image-folder';
import { ProductRun, projectDirFor } from './quality/product-run';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '20' },
    batch: { type: 'string', default: '64' },
    encoder: { type: 'string', default: 'resnet-mini' },
    'image-size': { type: 'string', default: '32' },
    root: { type: 'string', default: '.cache/bench' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const run = promisify(execFile);
const root = resolve(values.root);
const steps = Number(values.steps);

const { train, test } = await loadFashionMnist();
const images = firstOf(asImageSet(train), Number(values.train));
const folder = await writeBenchFolder(root, `cluster-${images.count}`, images, firstOf(asImageSet(test), 1));
const projectDir = projectDirFor(root, `cluster-${images.count}`);
rmSync(projectDir, { recursive: true, force: true });
const product = await ProductRun.open(projectDir, 'wasm');
await product.importFolder(folder);

const finished = async (started: Promise<JobSnapshot>) => {
  const job = await product.engine.waitForJob((await started).id);
  if (job.state !== 'done') throw new Error(`${job.kind} ${job.state}: ${job.error}`);
  return job;
};
const jobDir = join(root, `cluster-${images.count}-job`);
const exportStarted = performance.now();
const exported = (
  await finished(
    product.engine.call('startClusterExport', {
      outDir: jobDir,
      replace: true,
      encoder: values.encoder as 'resnet-mini',
      imageSize: Number(values['image-size']),
      batchSize: Number(values.batch),
      epochs: 100,
    }),
  )
).result as ClusterExportResult;
const exportSeconds = (performance.now() - exportStarted) / 1000;
log(`job written to ${exported.dir} in ${exportSeconds.toFixed(1)} s`);

/** Steps per second after the first step, from the trainer's own per-step log. */
async function trainerRun(processes: number) {
  const logFile = join(root, `cluster-steps-${processes}.jsonl`);
  rmSync(logFile, { force: true });
  const started = performance.now();
  await run(systemPython, trainerArgs(processes, ['--fresh', '--steps', String(steps), '--log-json', logFile, '--out', join(jobDir, `run-${processes}`)]), { cwd: jobDir, maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - started) / 1000;
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; loss: number; time?: number });
  return { processes, wallSeconds, lines };
}

const results = [];
for (const processes of [1, 2]) {
  const { wallSeconds, lines } = await trainerRun(processes);
  const timed = lines.filter((line) => line.time !== undefined);
  const span = timed.at(-1)!.time! - timed[0]!.time!;
  const stepsPerSecond = (timed.length - 1) / span;
  results.push({ processes, steps: lines.length, wallSeconds: Number(wallSeconds.toFixed(1)), stepsPerSecond: Number(stepsPerSecond.toFixed(3)), imagesPerSecond: Number((stepsPerSecond * Number(values.batch)).toFixed(1)), firstLoss: lines[0]!.loss, lastLoss: lines.at(-1)!.loss });
  log(`${processes} process(es): ${stepsPerSecond.toFixed(2)} steps/s`);
}

const importStarted = performance.now();
const imported = (await finished(product.engine.call('startEncoderImport', { path: join(jobDir, 'run-2', 'encoder.safetensors') }))).result as EncoderImportResult;
const importSeconds = (performance.now() - importStarted) / 1000;
product.close();

console.log(
  JSON.stringify({
    measuredOn: `${images.count} Fashion-MNIST training images through import → cluster-export job → train.py → import job`,
    encoder: values.encoder,
    imageSize: Number(values['image-size']),
    globalBatch: Number(values.batch),
    device: 'cpu (gloo)',
    exportSeconds: Number(exportSeconds.toFixed(1)),
    trainer: results,
    speedupTwoProcesses: Number((results[1]!.stepsPerSecond / results[0]!.stepsPerSecond).toFixed(2)),
    importSeconds: Number(importSeconds.toFixed(2)),
    importedStep: imported.step,
  }),
);
