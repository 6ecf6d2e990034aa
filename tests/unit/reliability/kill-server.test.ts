/**
 * `kill -9` of the server in the middle of work, then a restart on the same project (over the dead process's
 * lock): every label the server acknowledged is there, and an import cut short reopens and completes again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir, writeImage } from '../../helpers/images';
import { cli, startStudio, waitUntil } from '../../helpers/studio-process';

interface Status {
  images: number;
  labelled: number;
  activeJob: { kind: string; fraction: number | null } | null;
  runs: { kind: string; state: string }[];
}

async function photoFolder(count: number, size = 24): Promise<string> {
  const photos = join(tempDir('simclr-kill-photos-'), 'photos');
  for (let i = 0; i < count; i++) await writeImage(join(photos, `p${String(i).padStart(4, '0')}.png`), { width: size, height: size, rgb: [i % 256, 40 + Math.floor(i / 256) * 100, (13 * i) % 256] });
  return photos;
}

test('kill -9 while a client labels over HTTP loses no acknowledged label', { timeout: 180_000 }, async () => {
  const photos = await photoFolder(120);
  const project = join(tempDir('simclr-kill-label-'), 'project');
  assert.equal((await cli(project, 'import', photos)).code, 0);
  const rounds = 3;
  let acknowledged = 0;
  let lost = 0;
  let unanswered = 0;
  for (let round = 0; round < rounds; round++) {
    const studio = await startStudio(project);
    const classes = [await studio.ok<{ id: number }>('createClass', { name: `a${round}` }), await studio.ok<{ id: number }>('createClass', { name: `b${round}` })];
    // What the server said 200 to, image by image: the last acknowledged class wins.
    const expected = new Map<number, number>();
    // The call the kill cut off: the server may have written it before dying, or not; either is right.
    let inFlight: { imageIds: number[]; classId: number } | null = null;
    let stop = false;
    const labeller = (async () => {
      for (let i = 0; !stop; i++) {
        const imageIds = [1 + ((i * 7) % 120), 1 + ((i * 7 + 1) % 120), 1 + ((i * 11 + 5) % 120)];
        const classId = classes[i % 2].id;
        inFlight = { imageIds, classId };
        const reply = await studio.call('setLabels', { imageIds, classId }).catch(() => null);
        if (reply === null) break; // the connection died with the server: not acknowledged
        assert.equal(reply.status, 200);
        inFlight = null;
        acknowledged++;
        for (const id of imageIds) expected.set(id, classId);
      }
    })();
    await waitUntil('some labels are acknowledged', () => expected.size >= 30 + round * 10);
    await studio.kill9();
    stop = true;
    await labeller;
    unanswered++;

    const restarted = await startStudio(project);
    try {
      const stored = new Map<number, number | null>();
      for (const item of (await restarted.ok<{ items: { id: number; labelId: number | null }[] }>('listImages', { limit: 500 })).items) stored.set(item.id, item.labelId);
      const cutOff = inFlight as { imageIds: number[]; classId: number } | null;
      // An acknowledged label is lost when neither it nor the cut-off call's later one is stored.
      const overwritten = (id: number) => cutOff !== null && cutOff.imageIds.includes(id) && stored.get(id) === cutOff.classId;
      for (const [id, classId] of expected) if (stored.get(id) !== classId && !overwritten(id)) lost++;
      assert.equal(lost, 0, `round ${round}: ${lost} acknowledged labels lost`);
    } finally {
      await restarted.stop();
    }
  }
  console.log(`kill -9 while labelling: ${rounds} kills, ${acknowledged} acknowledged setLabels calls, ${unanswered} cut off, ${lost} labels lost`);
});

test('kill -9 mid-import: the project reopens and a re-import completes', { timeout: 300_000 }, async () => {
  const count = 400;
  const photos = await photoFolder(count, 64);
  const project = join(tempDir('simclr-kill-import-'), 'project');
  const studio = await startStudio(project);
  await studio.ok('importFolder', { folder: photos });
  await waitUntil('the import is part way', async () => {
    const { images } = await studio.ok<Status>('status');
    return images > 0;
  });
  await studio.kill9();

  const after = await cli(project, 'status');
  assert.equal(after.code, 0, after.stderr);
  const partly = after.json as unknown as Status;
  assert.ok(partly.images > 0 && partly.images < count, `killed part way: ${partly.images} of ${count}`);
  assert.equal(partly.runs.find((r) => r.kind === 'import')?.state, 'cancelled', 'the interrupted import is marked so');

  const again = await cli(project, 'import', photos);
  assert.equal(again.code, 0, again.stderr);
  const final = (await cli(project, 'status')).json as unknown as Status;
  assert.equal(final.images, count, 'every image once, none twice');
  assert.equal(Number((again.json as { failed: unknown[] }).failed.length), 0);
  console.log(`kill -9 mid-import: killed at ${partly.images} of ${count} images; re-import added ${String(again.json?.added)}; lost 0`);
});
