/**
 * A run keeps its log and its loss curve in the project, so its page shows them again after a reload or a
 * restart: kept by the job runner as progress arrives, read back (thinned) with runHistory.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine } from '../../../src/main/engine/engine';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

test('a loss curve is thinned to evenly spaced steps, keeping the last', () => {
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const runId = store.runs.start('pretrain', { epochs: 2 });
  for (let step = 0; step < 10; step++) store.runs.appendLoss(runId, { step, epoch: step < 5 ? 0 : 1, loss: 10 - step });
  store.runs.appendLog(runId, 'Starting');
  // 10 points into at most 4: every 3rd (0, 3, 6, 9); the last is among them.
  assert.deepEqual(store.runs.history(runId, 4)?.losses.map((p) => p.step), [0, 3, 6, 9]);
  // Into at most 3: every 4th (0, 4, 8) and the last, 9.
  assert.deepEqual(store.runs.history(runId, 3)?.losses.map((p) => [p.step, p.epoch, p.loss]), [[0, 0, 10], [4, 0, 6], [8, 1, 2], [9, 1, 1]]);
  assert.deepEqual(store.runs.history(runId, 100)?.log.map((l) => l.message), ['Starting']);
  assert.equal(store.runs.history(runId + 1, 10), null);
  store.close();
});

const engine = new Engine({ backend: 'wasm' });
after(() => engine.close());

test('a pretraining run keeps every step’s loss and its log lines, which outlive the engine', { timeout: 120_000 }, async () => {
  const work = tempDir('simclr-history-');
  await generateSampleFolder(join(work, 'images'), { perClass: 4, size: 16, seed: 8 });
  const dir = join(work, 'project');
  await engine.openProject({ dir });
  await engine.waitForJob((await engine.importFolder({ folder: join(work, 'images') })).id);
  // 16 images in batches of 8: 2 steps an epoch, 3 epochs.
  const job = await engine.startPretrain({ encoder: 'resnet-tiny', epochs: 3, batchSize: 8, imageSize: 16 });
  assert.equal((await engine.waitForJob(job.id)).state, 'done');

  const reopened = ProjectStore.open(dir); // another connection, as after a restart
  const history = reopened.runs.history(job.runId, 1500)!;
  reopened.close();
  assert.equal(history.run.kind, 'pretrain');
  assert.deepEqual(history.run.options, { encoder: 'resnet-tiny', epochs: 3, batchSize: 8, imageSize: 16 });
  assert.deepEqual(history.losses.map((p) => [p.step, p.epoch]), [[1, 0], [2, 0], [3, 1], [4, 1], [5, 2], [6, 2]]);
  assert.ok(history.losses.every((p) => Number.isFinite(p.loss)));
  const log = history.log.map((l) => l.message);
  assert.match(log[0], /^Starting resnet-tiny at 16 px, batch 8/);
  for (const epoch of [1, 2, 3]) assert.ok(log.some((m) => m.startsWith(`Epoch ${epoch}/3 done: mean loss`)), `epoch ${epoch} in ${log.join(' | ')}`);
  assert.equal(log.at(-1), 'pretrain finished');
  assert.deepEqual(await engine.runHistory({ runId: job.runId, maxPoints: 1500 }), { ...history, run: (await engine.status()).runs[0] });
});
