/**
 * Embeddings, the map and predictions record the encoder they came from: after a new pretraining run they are
 * stale, in `status` and in the CLI's status, until the embed job (embeddings, map) or a fine-tune (predictions)
 * runs again with the new encoder.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JobSnapshot } from '../../../src/shared/contract';
import { Engine } from '../../../src/main/engine/engine';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const engine = new Engine({ backend: 'wasm' });
after(() => engine.close());

async function done(started: Promise<JobSnapshot>): Promise<void> {
  const finished = await engine.waitForJob((await started).id);
  assert.equal(finished.state, 'done', finished.error ?? finished.message);
}

const pretrain = (seed: number) => done(engine.startPretrain({ encoder: 'resnet-tiny', epochs: 1, batchSize: 8, imageSize: 16, resume: false, seed }));

test('outputs of an earlier encoder are stale until their job runs again', { timeout: 240_000 }, async () => {
  const work = tempDir('simclr-stale-');
  await generateSampleFolder(join(work, 'images'), { perClass: 6, size: 32, seed: 7, classes: 2 });
  const project = join(work, 'project');
  await engine.openProject({ dir: project });
  await done(engine.importFolder({ folder: join(work, 'images') }));
  await pretrain(1);
  await done(engine.startEmbed({ batchSize: 64, neighbors: 5, seed: 1 }));
  const images = (await engine.call('listImages', { limit: 100 })).items;
  const a = await engine.createClass({ name: 'a' });
  const b = await engine.createClass({ name: 'b' });
  const byFolder = (name: string) => images.filter((i) => i.relPath.startsWith(`${name}/`)).map((i) => i.id);
  const folders = [...new Set(images.map((i) => i.relPath.split('/')[0]))];
  await engine.setLabels({ imageIds: byFolder(folders[0]), classId: a.id });
  await engine.setLabels({ imageIds: byFolder(folders[1]), classId: b.id });
  await done(engine.startFinetune({ epochs: 1 }));
  assert.deepEqual((await engine.status()).stale, [], 'everything came from the current encoder');

  // Another run (another seed): another encoder.
  await pretrain(2);
  assert.deepEqual((await engine.status()).stale, ['embeddings', 'map', 'predictions'], 'a new encoder leaves all three stale');
  // The CLI says so too, and what to run (the engine holds the project, so it reads a copy of its state).
  engine.close();
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/simclr-studio.mjs', 'status', '--project', project], { env: { ...process.env, SIMCLR_BACKEND: 'wasm' } });
  assert.match(stdout, /stale, computed with an encoder pretraining has replaced since: embeddings \(run `embed`\), map \(run `embed`\), predictions \(run `finetune`\)/);
  await engine.openProject({ dir: project });

  await done(engine.startEmbed({ batchSize: 64, neighbors: 5, seed: 1 }));
  assert.deepEqual((await engine.status()).stale, ['predictions'], 'the embed job brings embeddings and the map up to date');
  await done(engine.startFinetune({ epochs: 1 }));
  assert.deepEqual((await engine.status()).stale, []);
});
