/**
 * Fine-tuning with few labels is measured honestly: with one label a class nothing can be held out, and it says
 * so (no validation accuracy, not training accuracy called validation, no "NaN %"); with two a class, every way of
 * using the labels is cross-validated on the same folds and the best exportable one is chosen, with its confusion
 * matrix; labels kept as a test set are used by nothing but the final score.
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

interface Candidate {
  name: string;
  accuracy: number | null;
  validated: number;
  interval: [number, number] | null;
  measuredOn: string;
}

test('one label a class is not validated and says so; two a class are cross-validated and chosen from', { timeout: 240_000 }, async () => {
  const work = tempDir('simclr-few-labels-');
  const sample = await generateSampleFolder(join(work, 'images'), { perClass: 4, size: 16, seed: 5, classes: 2 });
  const project = join(work, 'project');
  const cli = async (...args: string[]) => {
    const { stdout, stderr } = await run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], {
      env: { ...process.env, SIMCLR_BACKEND: 'wasm' },
    });
    return { result: JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, stderr };
  };
  const labelFirst = (perClass: number) => {
    const rows = sample.classes.flatMap((name) => readdirSync(join(sample.dir, name)).slice(0, perClass).map((file) => `${join(sample.dir, name, file)},${name}`));
    writeFileSync(join(work, 'labels.csv'), `path,label\n${rows.join('\n')}\n`);
    return cli('label', '--csv', join(work, 'labels.csv'));
  };
  await cli('import', sample.dir);
  await cli('pretrain', '--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '1');

  await labelFirst(1);
  const single = await cli('finetune', '--epochs', '2');
  assert.equal(single.result.labelled, 2);
  assert.equal(single.result.validated, 0);
  assert.equal(single.result.valAccuracy, null);
  assert.ok((single.result.trainAccuracy as number) >= 0 && (single.result.trainAccuracy as number) <= 1);
  assert.doesNotMatch(single.stderr, /NaN/);
  assert.match(single.stderr, /Measuring what 2 labels allow: nothing: too few labels to hold any out \(one a class\)/);
  for (const c of single.result.candidates as Candidate[]) assert.deepEqual([c.accuracy, c.validated, c.interval], [null, 0, null]);
  const singleRun = ((await cli('status')).result.runs as { kind: string; metrics: Record<string, number> }[]).find((r) => r.kind === 'finetune')!;
  assert.equal(singleRun.metrics.validated, 0);
  assert.equal('valAccuracy' in singleRun.metrics, false);

  await labelFirst(2);
  const { result } = await cli('finetune', '--epochs', '2');
  const candidates = result.candidates as Candidate[];
  assert.deepEqual(candidates.map((c) => c.name), ['finetune', 'linear', 'knn', 'pixels']);
  for (const c of candidates) {
    assert.equal(c.validated, 4);
    assert.equal(c.measuredOn, '2-fold cross-validation over 4 labelled images');
    assert.ok(c.accuracy !== null && c.interval !== null && c.interval[0] <= c.accuracy && c.accuracy <= c.interval[1]);
  }
  const chosen = candidates.find((c) => c.name === result.chosen)!;
  assert.notEqual(chosen.name, 'pixels', 'raw pixels are the baseline, not a model');
  for (const other of candidates.filter((c) => c.name !== 'pixels')) assert.ok(chosen.accuracy! >= other.accuracy!, `the best exportable way is chosen (${other.name})`);
  assert.equal(result.valAccuracy, chosen.accuracy);
  assert.equal(result.validated, 4);
  // Where the chosen way went wrong, on the same 4 held-out images: a 2×2 confusion matrix by class name.
  const heldOut = result.heldOut as { candidate: string; classes: { class: string; support: number; recall: number | null }[]; confusion: number[][] };
  assert.equal(heldOut.candidate, result.chosen);
  assert.deepEqual(heldOut.classes.map((c) => [c.class, c.support]), sample.classes.map((name) => [name, 2]));
  assert.equal(heldOut.confusion.flat().reduce((a, b) => a + b, 0), 4);
  assert.equal(heldOut.confusion[0][0] + heldOut.confusion[1][1], Math.round(chosen.accuracy! * 4));
  assert.equal(result.test, null, 'no test set was kept');

  // A test set of half of every class's labels (4 each): trained and chosen without, scored on them after.
  await labelFirst(4);
  assert.equal((await cli('test-set', '--fraction', '0.5')).result.testImages, 4);
  const tested = await cli('finetune', '--epochs', '2');
  assert.equal(tested.result.labelled, 4);
  for (const c of tested.result.candidates as Candidate[]) assert.equal(c.validated, 4);
  const score = tested.result.test as { images: number; correct: number; accuracy: number; interval: [number, number] };
  assert.equal(score.images, 4);
  assert.equal(score.accuracy, score.correct / 4);
  assert.ok(score.interval[0] <= score.accuracy && score.accuracy <= score.interval[1]);
});
