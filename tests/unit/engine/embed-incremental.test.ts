/**
 * The embed job keeps what is current: images imported after the map was made are embedded alone and placed
 * into the kept map, whose points do not move; asked to, it lays the whole map out again.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JobSnapshot, JobSnapshotOf } from '../../../src/shared/contract';
import { Engine } from '../../../src/main/engine/engine';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { tempDir } from '../../helpers/images';

const engine = new Engine({ backend: 'wasm' });
after(() => engine.close());

async function done(started: Promise<JobSnapshot>): Promise<JobSnapshot> {
  const finished = await engine.waitForJob((await started).id);
  assert.equal(finished.state, 'done', finished.error ?? finished.message);
  return finished;
}

test('new images are placed into the kept map; a relayout lays out every image again', { timeout: 240_000 }, async () => {
  const work = tempDir('simclr-embed-more-');
  await generateSampleFolder(join(work, 'first'), { perClass: 8, size: 32, seed: 3, classes: 2 });
  await generateSampleFolder(join(work, 'more'), { perClass: 3, size: 32, seed: 4, classes: 2 });
  await engine.openProject({ dir: join(work, 'project') });
  await done(engine.call('importFolder', { folder: join(work, 'first') }));
  await done(engine.call('startPretrain', { encoder: 'resnet-tiny', epochs: 1, batchSize: 8, imageSize: 16 }));
  await done(engine.call('startEmbed', { neighbors: 5 }));
  const before = new Map((await engine.call('getMap', {})).map((p) => [p.id, [p.x, p.y]]));
  assert.equal(before.size, 16);

  await done(engine.call('importFolder', { folder: join(work, 'more') }));
  const placed = (await done(engine.call('startEmbed', { neighbors: 5 }))) as JobSnapshotOf<'embed'>;
  assert.equal(placed.metrics.embedded, 6, 'only the new images were embedded');
  assert.equal(placed.metrics.placed, 6);
  const after = await engine.call('getMap', {});
  assert.equal(after.length, 22);
  for (const p of after) if (before.has(p.id)) assert.deepEqual([p.x, p.y], before.get(p.id), `image ${p.id} kept its place`);

  const relaid = (await done(engine.call('startEmbed', { neighbors: 5, relayout: true }))) as JobSnapshotOf<'embed'>;
  assert.equal(relaid.metrics.embedded, 0, 'every embedding was current');
  assert.equal(relaid.metrics.placed, 0, 'laid out whole');
  assert.equal((await engine.call('getMap', {})).length, 22);
});
