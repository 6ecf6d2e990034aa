/**
 * Long jobs through the engine, as the UI drives them: a pretraining job runs in its own process, reports
 * progress, and on cancel stops with its last checkpoint kept; a second job is refused while one runs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSnapshot, JobSnapshotOf } from '../../../src/shared/contract';
import { Engine } from '../../../src/main/engine/engine';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const engine = new Engine({ backend: 'wasm' });
after(() => engine.close());

test('a pretraining job reports progress, refuses a second job, and cancels with its checkpoint kept', { timeout: 120_000 }, async () => {
  const work = tempDir('simclr-jobs-');
  await generateSampleFolder(join(work, 'images'), { perClass: 8, size: 32, seed: 5 });
  await engine.openProject({ dir: join(work, 'project') });
  const imported = await engine.waitForJob((await engine.importFolder({ folder: join(work, 'images') })).id);
  assert.equal(imported.state, 'done');

  const seen: JobSnapshotOf<'pretrain'>[] = [];
  const stop = engine.onEvent((event, payload) => event === 'job' && (payload as JobSnapshot).kind === 'pretrain' && seen.push(payload as JobSnapshotOf<'pretrain'>));
  const job = await engine.startPretrain({ encoder: 'resnet-tiny', epochs: 500, batchSize: 8, imageSize: 16, temperature: 0.5, learningRate: 1e-3, colorStrength: 0.5, resume: false, seed: 1 });
  assert.equal(job.state, 'running');
  await assert.rejects(engine.startEmbed({ batchSize: 64, neighbors: 15, seed: 1 }), /already running/);

  // Cancel once a few steps have run (so an epoch checkpoint exists), as a user pressing Cancel would.
  while (!seen.some((s) => s.id === job.id && (s.metrics.epoch ?? 0) >= 1)) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await engine.cancelJob({ jobId: job.id }), { cancelled: true });
  const final = await engine.waitForJob(job.id);
  stop();

  assert.equal(final.state, 'cancelled');
  const training = seen.filter((s) => s.phase === 'training');
  assert.ok(training.length > 0, 'progress arrived while training');
  for (const key of ['epoch', 'step', 'loss', 'imagesPerSecond', 'etaSeconds']) assert.ok(key in training.at(-1)!.metrics, key);
  assert.ok(existsSync(join(work, 'project', 'models', 'pretrain', 'state.json')), 'the last checkpoint is kept');
  const status = await engine.status();
  assert.equal(status.runs[0].kind, 'pretrain');
  assert.equal(status.runs[0].state, 'cancelled');
  assert.equal(status.activeJob, null);
});

test('a pretraining job with a micro-batch size trains each batch in micro-batches, and says so', { timeout: 120_000 }, async () => {
  const work = tempDir('simclr-micro-');
  await generateSampleFolder(join(work, 'images'), { perClass: 8, size: 32, seed: 6 });
  await engine.openProject({ dir: join(work, 'project') });
  assert.equal((await engine.waitForJob((await engine.importFolder({ folder: join(work, 'images') })).id)).state, 'done');

  const seen: JobSnapshotOf<'pretrain'>[] = [];
  const stop = engine.onEvent((event, payload) => event === 'job' && (payload as JobSnapshot).kind === 'pretrain' && seen.push(payload as JobSnapshotOf<'pretrain'>));
  // Batches of 8 over two threads are 4 images a thread, more than the 3 asked for: two micro-batches of 2.
  const job = await engine.startPretrain({ encoder: 'resnet-tiny', epochs: 1, batchSize: 8, microBatchSize: 3, imageSize: 16, resume: false, seed: 1 });
  const final = await engine.waitForJob(job.id);
  stop();
  assert.equal(final.state, 'done', final.error ?? '');
  assert.ok(seen.some((s) => /2 micro-batches of up to 2 images per thread/.test(s.message)), 'the run says it trains in micro-batches');
  const training = seen.filter((s) => s.phase === 'training');
  assert.ok(training.length > 0);
  assert.equal(training.at(-1)!.metrics.microBatch, 2);
  assert.ok(Number.isFinite(training.at(-1)!.metrics.loss));
});
