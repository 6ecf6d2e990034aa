import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countImagesInSubfolders } from '../../../src/main/engine/import/count-images';

function touch(dir: string, names: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const name of names) writeFileSync(join(dir, name), '');
}

test('counts the images of every sub-folder but not the folder’s own, skipping hidden entries and links', async () => {
  const root = mkdtempSync(join(tmpdir(), 'simclr-count-'));
  touch(root, ['own.jpg']);
  touch(join(root, 'cats'), ['1.jpg', '2.PNG', 'notes.txt', '.hidden.jpg']);
  touch(join(root, 'dogs', 'puppies'), ['3.webp']);
  touch(join(root, '.cache'), ['4.jpg']);
  symlinkSync(root, join(root, 'dogs', 'loop'));
  assert.deepEqual(await countImagesInSubfolders(root), { count: 3, complete: true });
});

test('stops past the limit and says the count is a lower bound', async () => {
  const root = mkdtempSync(join(tmpdir(), 'simclr-count-'));
  touch(join(root, 'a'), ['1.jpg', '2.jpg', '3.jpg']);
  touch(join(root, 'b'), ['4.jpg', '5.jpg']);
  assert.deepEqual(await countImagesInSubfolders(root, { maxImages: 5, maxMilliseconds: 10_000 }), { count: 5, complete: true });
  assert.deepEqual(await countImagesInSubfolders(root, { maxImages: 4, maxMilliseconds: 10_000 }), { count: 4, complete: false });
  assert.deepEqual(await countImagesInSubfolders(root, { maxImages: 100, maxMilliseconds: -1 }), { count: 0, complete: false });
});
