/**
 * With too few labels to hold any out, fine-tuning says so: no validation accuracy (not training accuracy
 * called validation), and no "NaN %" in its progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const run = promisify(execFile);

test('two labels a class: fine-tuning reports training accuracy as such and no validation', { timeout: 180_000 }, async () => {
  const work = tempDir('simclr-few-labels-');
  const sample = await generateSampleFolder(join(work, 'images'), { perClass: 4, size: 16, seed: 5, classes: 2 });
  const project = join(work, 'project');
  const cli = async (...args: string[]) => {
    const { stdout, stderr } = await run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], {
      env: { ...process.env, SIMCLR_BACKEND: 'wasm' },
    });
    return { result: JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, stderr };
  };
  await cli('import', sample.dir);
  await cli('pretrain', '--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '1');
  const rows = sample.classes.flatMap((name) => readdirSync(join(sample.dir, name)).slice(0, 2).map((file) => `${join(sample.dir, name, file)},${name}`));
  writeFileSync(join(work, 'labels.csv'), `path,label\n${rows.join('\n')}\n`);
  await cli('label', '--csv', join(work, 'labels.csv'));

  const { result, stderr } = await cli('finetune', '--epochs', '2');
  assert.equal(result.labelled, 4);
  assert.equal(result.validated, 0);
  assert.equal(result.valAccuracy, null);
  assert.ok((result.trainAccuracy as number) >= 0 && (result.trainAccuracy as number) <= 1);
  assert.doesNotMatch(stderr, /NaN/);
  assert.match(stderr, /training accuracy \d+\.\d % \(too few labels to hold any out for validation\)/);

  // Beside it, the same labels used other ways, each measured on what it names: nothing held out for the
  // fine-tuned model, and 2-fold cross-validation (two images a class) over all four for the others.
  const candidates = result.candidates as { name: string; accuracy: number | null; validated: number; interval: [number, number] | null; measuredOn: string }[];
  assert.deepEqual(candidates.map((c) => c.name), ['finetune', 'linear', 'knn', 'pixels']);
  assert.equal(candidates[0].accuracy, null);
  assert.equal(candidates[0].measuredOn, 'nothing: too few labels to hold any out');
  for (const c of candidates.slice(1)) {
    assert.equal(c.validated, 4);
    assert.equal(c.measuredOn, '2-fold cross-validation over 4 labelled images');
    assert.ok(c.accuracy !== null && c.interval !== null && c.interval[0] <= c.accuracy && c.accuracy <= c.interval[1]);
  }

  const finetuneRun = ((await cli('status')).result.runs as { kind: string; metrics: Record<string, number> }[]).find((r) => r.kind === 'finetune')!;
  assert.equal(finetuneRun.metrics.validated, 0);
  assert.equal('valAccuracy' in finetuneRun.metrics, false);
});
