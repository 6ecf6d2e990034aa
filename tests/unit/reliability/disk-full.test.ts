/**
 * The disk filling up, on a real small tmpfs holding the project: an import stops with a clear error and keeps
 * what was labelled; a pretraining checkpoint that does not fit is refused while the previous one stays and
 * resumes. Needs root to mount; skipped, saying so, only where mounting is impossible.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeImage } from '../../helpers/images';
import { cli, startStudio, waitUntil } from '../../helpers/studio-process';

const mounts: string[] = [];

/** A fresh tmpfs of `size` (e.g. "3m"), or the reason none can be mounted here. */
function smallDisk(size: string): string | { cannot: string } {
  const dir = tempDir('simclr-full-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { cannot: `cannot mount a tmpfs (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); needs root` };
  }
  mounts.push(dir);
  return dir;
}
const resize = (dir: string, size: string) => execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
/** Fills the disk but for `leaveBytes`, so the next large write hits ENOSPC. */
function fill(dir: string, leaveBytes: number): string {
  const filler = join(dir, 'filler.bin');
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leaveBytes)));
  return filler;
}
after(() => mounts.forEach((dir) => execFileSync('umount', ['-l', dir])));

async function photoFolder(count: number, size: number): Promise<string> {
  const photos = join(tempDir('simclr-full-photos-'), 'photos');
  for (let i = 0; i < count; i++) await writeImage(join(photos, `p${String(i).padStart(4, '0')}.png`), { width: size, height: size, rgb: [i % 256, 40 + Math.floor(i / 256) * 100, (13 * i) % 256] });
  return photos;
}

const probe = smallDisk('1m');
const skip = typeof probe === 'string' ? false : probe.cannot;

test('an import that fills the disk stops with a clear error, keeps the labels and completes once there is room', { skip, timeout: 300_000 }, async () => {
  const disk = smallDisk('3m') as string;
  const project = join(disk, 'project');
  const few = await photoFolder(6, 32);
  const many = await photoFolder(600, 96);
  const studio = await startStudio(project);
  try {
    await studio.ok('importFolder', { folder: few });
    await waitUntil('the first import is done', async () => (await studio.ok<{ activeJob: unknown }>('status')).activeJob === null);
    const { id } = await studio.ok<{ id: number }>('createClass', { name: 'kept' });
    await studio.ok('setLabels', { imageIds: [1, 2, 3, 4, 5, 6], classId: id });

    const job = await studio.ok<{ id: string }>('importFolder', { folder: many });
    await waitUntil('the import ends', async () => (await studio.ok<{ activeJob: unknown }>('status')).activeJob === null, 120_000);
    const run = (await studio.ok<{ runs: { kind: string; state: string }[] }>('status')).runs[0];
    assert.equal(run.state, 'failed', `import ${job.id} failed`);
    const failures = await studio.ok<{ path: string; reason: string }[]>('listFailures');
    assert.ok(!failures.some((f) => /ENOSPC|no space/i.test(f.reason)), 'a full disk is not blamed on the files');
    const status = await studio.ok<{ images: number; labelled: number }>('status');
    assert.equal(status.labelled, 6, 'nothing labelled is lost');
    assert.ok(status.images >= 6 && status.images < 606, `stopped part way at ${status.images} images`);
  } finally {
    await studio.stop();
  }
  // The error, as the CLI shows it: the project's folder, "the disk is full", what was kept.
  const refused = await cli(project, 'import', many);
  assert.equal(refused.code, 1);
  assert.ok(refused.stderr.includes(`${project}: the disk is full`), refused.stderr);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);

  resize(disk, '64m');
  const completed = await cli(project, 'import', many);
  assert.equal(completed.code, 0, completed.stderr);
  const final = (await cli(project, 'status')).json!;
  assert.deepEqual([final.images, final.labelled], [606, 6]);
});

test('a checkpoint that does not fit keeps the previous one, which resumes', { skip, timeout: 300_000 }, async () => {
  const disk = smallDisk('48m') as string;
  const project = join(disk, 'project');
  const photos = await photoFolder(24, 24);
  assert.equal((await cli(project, 'import', photos)).code, 0);
  const flags = ['--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--seed', '3'];
  const first = await cli(project, 'pretrain', ...flags, '--epochs', '1');
  assert.equal(first.code, 0, first.stderr);
  const checkpoint = join(project, 'models', 'pretrain');
  const state = () => JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { step: number; epoch: number };
  assert.equal(state().epoch, 1);

  const filler = fill(disk, 64 * 1024); // room for the database's writes, not for a checkpoint
  const refused = await cli(project, 'pretrain', '--resume', '--epochs', '3');
  assert.equal(refused.code, 1);
  assert.ok(refused.stderr.includes(`${checkpoint}: the disk is full`), refused.stderr);
  assert.match(refused.stderr, /previous one is kept/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  assert.equal(state().epoch, 1, 'the previous checkpoint is still in place');
  assert.ok(!existsSync(`${checkpoint}.next`), 'the partial copy is cleaned up');

  rmSync(filler);
  const resumed = await cli(project, 'pretrain', '--resume', '--epochs', '2');
  assert.equal(resumed.code, 0, resumed.stderr);
  const run = ((await cli(project, 'status')).json!.runs as { kind: string; state: string; metrics: Record<string, number> }[]).find((r) => r.kind === 'pretrain' && r.state === 'done')!;
  assert.equal(run.metrics.startStep, 3, 'resumed from the kept checkpoint (epoch 1 of 3 steps)');
  assert.equal(state().epoch, 2);
});
