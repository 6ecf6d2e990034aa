import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { importFolder } from '../../../src/main/engine/import/import-folder';
import { scanImageFiles } from '../../../src/main/engine/import/scan';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir, writeImage } from '../../helpers/images';

async function messyFolder(): Promise<string> {
  const root = join(tempDir(), 'photos');
  await writeImage(join(root, 'a.png'), { rgb: [10, 20, 30] });
  await writeImage(join(root, 'nested', 'deeper', 'b.jpg'), { rgb: [200, 20, 30], format: 'jpeg' });
  await writeImage(join(root, 'nested', 'c.webp'), { rgb: [10, 200, 30], format: 'webp', width: 40, height: 20 });
  copyFileSync(join(root, 'a.png'), join(root, 'nested', 'a-copy.png')); // same bytes, second path
  writeFileSync(join(root, 'empty.jpg'), '');
  writeFileSync(join(root, 'notes.png'), 'this is text, not a picture');
  const jpeg = await writeImage(join(tempDir(), 'whole.jpg'), { rgb: [1, 2, 3], format: 'jpeg', width: 64, height: 64 });
  writeFileSync(join(root, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(join(root, 'readme.txt'), 'ignored: not an image extension');
  symlinkSync(root, join(root, 'nested', 'loop')); // a folder link back to the top
  return root;
}

test('scan finds images recursively and does not loop through a symlinked folder', async () => {
  const root = await messyFolder();
  const { files } = await scanImageFiles(root);
  assert.deepEqual(
    files.map((f) => f.path.slice(root.length + 1)),
    ['a.png', 'empty.jpg', 'nested/a-copy.png', 'nested/c.webp', 'nested/deeper/b.jpg', 'notes.png', 'truncated.jpg'],
  );
});

test('scan of a missing folder names the folder', async () => {
  await assert.rejects(scanImageFiles('/no/such/folder'), /\/no\/such\/folder: file not found/);
});

test('import stores one row per distinct image, a thumbnail each, and a reason for every bad file', async () => {
  const root = await messyFolder();
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const progress: number[] = [];
  const result = await importFolder(store, root, { onProgress: (p) => progress.push(p.done) });

  assert.equal(result.imported, 3);
  assert.equal(result.duplicates, 1);
  const reasons = Object.fromEntries(result.failed.map((f) => [f.path.slice(root.length + 1), f.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ['empty.jpg', 'notes.png', 'truncated.jpg']);
  assert.equal(reasons['empty.jpg'], 'empty file (0 bytes)');
  assert.match(reasons['notes.png'], /not an image/);
  assert.match(reasons['truncated.jpg'], /truncated or corrupt/);
  assert.deepEqual(store.images.failures().map((f) => f.path).sort(), result.failed.map((f) => f.path).sort());

  const items = store.images.list('all', undefined, 0, 10).items;
  assert.deepEqual(items.map((i) => i.relPath).sort(), ['a.png', 'nested/c.webp', 'nested/deeper/b.jpg']);
  const wide = items.find((i) => i.relPath === 'nested/c.webp')!;
  assert.deepEqual([wide.width, wide.height], [40, 20]);
  for (const item of items) {
    const meta = await sharp(readFileSync(store.layout.thumbnail(item.id))).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 128);
  }
  assert.equal(progress.at(-1), 7, 'progress reaches every file');
});

test('importing the same folder again adds nothing and reports nothing twice', async () => {
  const root = await messyFolder();
  const store = ProjectStore.open(join(tempDir(), 'project'));
  await importFolder(store, root);
  await writeImage(join(root, 'new.png'), { rgb: [90, 90, 250] });
  const again = await importFolder(store, root);
  assert.equal(again.imported, 1);
  assert.equal(again.duplicates, 0);
  assert.equal(store.count('images'), 4);
});

test('cancelling an import keeps what was imported so far', async () => {
  const root = join(tempDir(), 'many');
  mkdirSync(root);
  for (let i = 0; i < 40; i++) await writeImage(join(root, `img${String(i).padStart(2, '0')}.png`), { rgb: [i * 5, 100, 200 - i * 4] });
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const controller = new AbortController();
  const result = await importFolder(store, root, { onProgress: (p) => p.done >= 10 && controller.abort(), signal: controller.signal });
  assert.ok(result.imported >= 10 && result.imported < 40, `imported ${result.imported}`);
  assert.equal(store.count('images'), result.imported);
  assert.ok(existsSync(store.layout.thumbnail(1)));
});
