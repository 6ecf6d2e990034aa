/**
 * The CLI contract end to end, as a script would call it: import → pretrain → embed → label → finetune →
 * predict → export, each `--json` with the result on stdout's last line; then the exported model, loaded
 * with plain @tensorflow/tfjs and fed the documented preprocessing, reproduces `predict`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { imageToModelPixels } from '../../../src/main/engine/data/pixel-cache';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { parseCsv } from '../../../src/main/engine/store/csv';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);
const work = tempDir('simclr-cli-');
const sample = join(work, 'sample');
const project = join(work, 'project');

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], {
    env: { ...process.env, SIMCLR_BACKEND: 'wasm' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

test('the CLI runs the whole flow and the exported model reproduces predict', { timeout: 300_000 }, async () => {
  await generateSampleFolder(sample, { perClass: 10, size: 32, seed: 3 });
  writeFileSync(join(sample, 'zero.png'), '');

  const imported = await cli('import', sample);
  assert.equal(imported.imported, 40);
  assert.equal(imported.duplicates, 0);
  assert.deepEqual(imported.failed, [{ path: join(sample, 'zero.png'), reason: 'empty file (0 bytes)' }]);

  const pretrained = await cli(
    'pretrain', '--encoder', 'resnet-tiny', '--epochs', '2', '--batch', '16', '--image-size', '16',
    '--color-strength', '0.7', '--crop-scale', '0.3,0.9', '--grayscale-prob', '0.1', '--blur-prob', '0',
  );
  assert.equal(pretrained.epochs, 2);
  // The augmentation flags reach the run; those not given keep the paper's values.
  const options = pretrained.options as { colorStrength: number; augment: object };
  assert.equal(options.colorStrength, 0.7);
  assert.deepEqual(options.augment, { cropScale: [0.3, 0.9], grayscaleProb: 0.1, blurProb: 0 });
  assert.equal(pretrained.backend, 'wasm');
  assert.ok(Number.isFinite(pretrained.loss));

  assert.deepEqual(await cli('embed'), { embedded: 40, mapped: 40 });
  assert.deepEqual(await cli('label', '--csv', join(sample, 'labels.csv')), { labelled: 40 });

  const finetuned = await cli('finetune', '--epochs', '3');
  assert.equal(finetuned.labelled, 40);
  // Every labelled image is held out once, by 5-fold cross-validation; the chosen model's score is the one reported.
  assert.equal(finetuned.validated, 40);
  assert.ok((finetuned.valAccuracy as number) >= 0 && (finetuned.valAccuracy as number) <= 1);
  const chosen = (finetuned.candidates as { name: string; accuracy: number }[]).find((c) => c.name === finetuned.chosen);
  assert.ok(chosen && ['finetune', 'linear'].includes(chosen.name));
  assert.equal(chosen.accuracy, finetuned.valAccuracy);
  // Labels the out-of-fold probabilities doubt come back by path, with the class each looks like instead.
  const labelIssues = finetuned.labelIssues as { path: string; label: string; suggested: string; score: number }[];
  for (const issue of labelIssues) {
    assert.ok(issue.path.startsWith(sample) && issue.label !== issue.suggested && issue.score > 0 && issue.score <= 1, JSON.stringify(issue));
    assert.ok(issue.path.includes(`/${issue.label}/`), 'flagged with the label it has');
  }

  const predictionsPath = join(work, 'predictions.csv');
  assert.deepEqual(await cli('predict', '--out', predictionsPath), { predicted: 40 });
  const exportDir = join(work, 'export');
  const exported = await cli('export', '--format', 'tfjs', '--no-encoder', '--no-embeddings', '--out', exportDir);
  assert.deepEqual(
    (exported.files as { path: string }[]).map((f) => f.path.slice(exportDir.length + 1)),
    ['model.tfjs', 'classes.json', 'preprocessing.json', 'labels.csv', 'predictions.csv', 'dataset.json', 'model-card.json', 'MODEL_CARD.md'],
  );

  const status = await cli('status');
  assert.equal(status.labelIssues, labelIssues.length);
  assert.equal(status.images, 40);
  assert.equal(status.embeddings, 40);
  assert.equal(status.predictions, 40);
  assert.deepEqual((status.runs as { kind: string }[]).map((r) => r.kind), ['export', 'finetune', 'embed', 'pretrain', 'import']);

  // Plain tfjs, no project code: the standard layers format from its files.
  await tf.setBackend('cpu');
  const modelJson = JSON.parse(readFileSync(join(exportDir, 'model.tfjs', 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = readFileSync(join(exportDir, 'model.tfjs', modelJson.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  // The fine-tuned model's softmax sits on the projection head's first layer (SimCLRv2), which the export carries;
  // a chosen linear probe sits on h directly.
  assert.equal(model.layers.some((layer) => layer.name === 'head_dense1'), finetuned.chosen === 'finetune');
  assert.equal(model.layers.at(-1)!.name, 'classifier');
  const { labels } = JSON.parse(readFileSync(join(exportDir, 'classes.json'), 'utf8')) as { labels: string[] };
  const { inputSize, scale } = JSON.parse(readFileSync(join(exportDir, 'preprocessing.json'), 'utf8')) as { inputSize: number; scale: number };
  const rows = parseCsv(readFileSync(predictionsPath, 'utf8')).slice(1);
  assert.equal(rows.length, 40);
  for (const [path, label, confidence] of rows) {
    const pixels = await imageToModelPixels(path, inputSize);
    const probabilities = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [1, inputSize, inputSize, 3], 'float32').mul(scale)) as tf.Tensor).dataSync());
    const best = probabilities.indexOf(Math.max(...probabilities));
    assert.equal(labels[best], label, path);
    assert.ok(Math.abs(probabilities[best] - Number(confidence)) < 1e-3, `${path}: ${probabilities[best]} vs ${confidence}`);
  }
});

test('a failing command exits non-zero with the reason on stderr', async () => {
  // A mistyped --project for a command that only reads is refused, and no project appears there.
  const typo = join(work, 'projcet');
  await assert.rejects(run(process.execPath, ['bin/simclr-studio.mjs', 'status', '--project', typo]), (error: { code: number; stderr: string }) =>
    error.code === 1 && error.stderr.includes(`${typo}: no project here (no project.sqlite); importing a folder into it creates one`),
  );
  assert.equal(existsSync(join(typo, 'project.sqlite')), false);
  await assert.rejects(
    run(process.execPath, ['bin/simclr-studio.mjs', 'import', join(work, 'no-such-folder'), '--project', join(work, 'other'), '--json']),
    (error: { code: number; stderr: string }) => error.code === 1 && error.stderr.includes('no-such-folder: no such folder'),
  );
  await assert.rejects(run(process.execPath, ['bin/simclr-studio.mjs', 'pretrain']), (error: { code: number; stderr: string }) =>
    error.code === 2 && error.stderr.includes('needs --project'),
  );
});
