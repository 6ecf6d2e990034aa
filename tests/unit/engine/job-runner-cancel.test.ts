/**
 * A worker that cannot stop on request (busy in native code, say) is killed after the grace period; the run
 * says what the user did, cancelled, not that the worker failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { JobRunner } from '../../../src/main/engine/jobs/job-runner';
import type { FromWorker, WorkerHandle } from '../../../src/main/engine/jobs/protocol';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir } from '../../helpers/images';

/** A worker process that never answers and exits only when killed, as a stuck one would. */
function deafWorker(): WorkerHandle {
  let exit: (code: number | null) => void = () => {};
  return {
    send: () => {},
    onMessage: (_listener: (message: FromWorker) => void) => {},
    onExit: (listener) => (exit = listener),
    kill: () => setImmediate(() => exit(null)),
  };
}

test('a worker killed after the user cancelled records a cancelled run', async () => {
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const runner = new JobRunner(deafWorker, undefined, () => {}, 50);
  const job = runner.runInWorker(store, 'pretrain', {});
  assert.equal(runner.cancel(job.id), true);
  const ended = await runner.waitFor(job.id);
  assert.equal(ended.state, 'cancelled');
  assert.equal(store.runs.list()[0].state, 'cancelled');
  store.close();
});

test('a worker that dies on its own is a failure that says so', async () => {
  const store = ProjectStore.open(join(tempDir(), 'project'));
  let worker!: WorkerHandle;
  const runner = new JobRunner(() => (worker = deafWorker()), undefined, () => {});
  const job = runner.runInWorker(store, 'pretrain', {});
  worker.kill();
  const ended = await runner.waitFor(job.id);
  assert.equal(ended.state, 'failed');
  assert.match(ended.error ?? '', /The pretrain worker stopped unexpectedly \(exit code null\)/);
  store.close();
});
