import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { importFolder } from '../../../src/main/engine/import/import-folder';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir, writeImage } from '../../helpers/images';

const runsAsRoot = process.getuid?.() === 0;

/** A PNG whose header claims width×height, followed by a few bytes of image data: a "decompression bomb". */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00])), chunk('IEND', Buffer.alloc(0))]);
}

test('every kind of bad file is reported with its path and reason, and the good ones are still imported', async () => {
  const root = join(tempDir(), 'bad');
  mkdirSync(root);
  await writeImage(join(root, 'good.png'), { rgb: [1, 2, 3] });
  const jpeg = await writeImage(join(tempDir(), 'whole.jpg'), { format: 'jpeg', width: 64, height: 64 });
  writeFileSync(join(root, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  writeFileSync(join(root, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0x5a)]));
  writeFileSync(join(root, 'zero.webp'), '');
  writeFileSync(join(root, 'letter.gif'), 'Dear reader, this is not a GIF.');
  writeFileSync(join(root, 'bomb.png'), pngClaiming(100_000, 100_000));
  symlinkSync('self-loop.jpg', join(root, 'self-loop.jpg')); // a link to itself
  symlinkSync(join(root, 'nowhere.png'), join(root, 'dangling.png'));
  execFileSync('mkfifo', [join(root, 'pipe.jpg')]); // reading it would block forever
  writeFileSync(Buffer.from(`${root}/caf\xe9.png`, 'latin1'), await writeImage(join(tempDir(), 'x.png'))); // Latin-1, not UTF-8
  await writeImage(join(root, 'folder.jpg', 'inside.png'), { rgb: [9, 9, 9] }); // a folder named like an image is walked
  const longName = `${'n'.repeat(251)}.png`; // 255 bytes, the longest name a file system takes
  await writeImage(join(root, longName), { rgb: [7, 7, 7] });

  const store = ProjectStore.open(join(tempDir(), 'project'));
  const result = await importFolder(store, root);
  const reasons = Object.fromEntries(result.failed.map((f) => [f.path.slice(root.length + 1), f.reason]));
  assert.deepEqual(reasons, {
    'truncated.jpg': 'truncated or corrupt image data',
    'corrupt.png': 'truncated or corrupt image data',
    'zero.webp': 'empty file (0 bytes)',
    'letter.gif': 'not an image (unsupported or unrecognised format)',
    'bomb.png': 'image too large (exceeds the pixel limit, possibly a decompression bomb)',
    'self-loop.jpg': 'symbolic link loop',
    'dangling.png': 'broken symbolic link',
    'pipe.jpg': 'not a regular file (a FIFO, socket or device)',
    'caf\ufffd.png': 'the name is not valid UTF-8; rename it to import it',
  });
  assert.deepEqual(store.images.list('all', undefined, 0, 10).items.map((i) => i.relPath).sort(), ['folder.jpg/inside.png', 'good.png', longName]);
  assert.deepEqual(store.images.failures().map((f) => f.path).sort(), result.failed.map((f) => f.path).sort(), 'the failures stay listed');
});

test('a path longer than the system allows is reported, not thrown', async () => {
  const root = join(tempDir(), 'deep');
  mkdirSync(root);
  // Built one short relative step at a time: no single call may name a path this long.
  const previous = process.cwd();
  const segment = 'd'.repeat(200);
  try {
    process.chdir(root);
    for (let depth = 0; depth < 22; depth++) {
      mkdirSync(segment);
      process.chdir(segment);
    }
    await writeImage('too-deep.png');
  } finally {
    process.chdir(previous);
  }
  await writeImage(join(root, 'shallow.png'), { rgb: [5, 5, 5] });
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const result = await importFolder(store, root);
  assert.equal(result.imported, 1);
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0].reason, 'file name too long');
  assert.ok(result.failed[0].path.length > 4096, 'the reported path is the over-long folder');
});

test('a file the user may not read is reported as permission denied', { skip: runsAsRoot && 'root reads files whatever their mode; the FIFO above covers an unreadable path' }, async () => {
  const root = join(tempDir(), 'locked');
  await writeImage(join(root, 'secret.png'));
  chmodSync(join(root, 'secret.png'), 0o000);
  const result = await importFolder(ProjectStore.open(join(tempDir(), 'project')), root);
  assert.deepEqual(result.failed, [{ path: join(root, 'secret.png'), reason: 'permission denied' }]);
});
