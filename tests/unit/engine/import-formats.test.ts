import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { defaultCacheSide, imageToModelPixels, PixelCache } from '../../../src/main/engine/data/pixel-cache';
import { importFolder } from '../../../src/main/engine/import/import-folder';
import { ProjectStore } from '../../../src/main/engine/store/project-store';
import { tempDir } from '../../helpers/images';

/** A width×height picture: the left half one colour, the right half another. */
function halves(width: number, height: number, left: number[], right: number[]) {
  const channels = left.length as 3 | 4;
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) pixels.set(i % width < width / 2 ? left : right, i * channels);
  return sharp(pixels, { raw: { width, height, channels } });
}

/** A 2×2 24-bit BMP written by hand (sharp cannot write BMP): BITMAPFILEHEADER + BITMAPINFOHEADER + padded rows. */
function tinyBmp(): Buffer {
  const rowBytes = 8; // 2 pixels × 3 bytes, padded to 4
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(54 + rowBytes * 2, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, Buffer.alloc(rowBytes * 2, 0x80)]);
}

async function importOne(name: string, write: (path: string) => Promise<unknown>) {
  const root = join(tempDir(), 'photos');
  mkdirSync(root);
  await write(join(root, name));
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const result = await importFolder(store, root);
  return { store, result, path: join(root, name) };
}

/** An image's record in the 32 px training cache, read straight from the file. */
function cachedPixels(store: ProjectStore, id: number): Uint8Array {
  const recordBytes = defaultCacheSide * defaultCacheSide * 3;
  return readFileSync(store.layout.pixelCache(defaultCacheSide)).subarray((id - 1) * recordBytes, id * recordBytes);
}

/** The mean RGB of a raw RGB buffer. */
function meanRgb(pixels: Uint8Array): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < pixels.length; i++) sum[i % 3] += pixels[i];
  return sum.map((s) => s / (pixels.length / 3));
}

const writers: Record<string, (path: string) => Promise<unknown>> = {
  'a.jpg': (p) => halves(40, 30, [200, 0, 0], [0, 0, 200]).jpeg().toFile(p),
  'b.png': (p) => halves(40, 30, [201, 0, 0], [0, 0, 200]).png().toFile(p),
  'c.webp': (p) => halves(40, 30, [202, 0, 0], [0, 0, 200]).webp().toFile(p),
  'd.gif': (p) => halves(40, 30, [203, 0, 0], [0, 0, 200]).gif().toFile(p),
  'e.tiff': (p) => halves(40, 30, [204, 0, 0], [0, 0, 200]).tiff().toFile(p),
  'f.avif': (p) => halves(40, 30, [205, 0, 0], [0, 0, 200]).avif().toFile(p),
};

test('every format sharp writes here is imported with its size, a WebP thumbnail and its 32 px cache record', async () => {
  const root = join(tempDir(), 'formats');
  mkdirSync(root);
  for (const [name, write] of Object.entries(writers)) await write(join(root, name));
  const store = ProjectStore.open(join(tempDir(), 'project'));
  const result = await importFolder(store, root);
  assert.deepEqual(result.failed, []);
  assert.equal(result.imported, 6);

  const items = store.images.list('all', undefined, 0, 10).items;
  assert.deepEqual(items.map((i) => i.relPath).sort(), Object.keys(writers).sort());
  const cache = (await PixelCache.build(store, defaultCacheSide, (p) => assert.equal(p.total, 0, 'nothing left to cache'))).cache;
  assert.deepEqual(cache.imageIds(), items.map((i) => i.id).sort((a, b) => a - b));
  for (const item of items) {
    assert.deepEqual([item.width, item.height], [40, 30], item.relPath);
    assert.equal((await sharp(store.layout.thumbnail(item.id)).metadata()).format, 'webp');
    // The record written during import is exactly what the model's own resize gives for the file.
    assert.deepEqual(Buffer.from(cache.read([item.id])), await imageToModelPixels(item.path, defaultCacheSide), item.relPath);
  }
  // Another side is built when training asks for it, through the same writer.
  const built: number[] = [];
  const small = (await PixelCache.build(store, 8, (p) => built.push(p.total))).cache;
  assert.deepEqual(built, [6]);
  for (const item of items) assert.deepEqual(Buffer.from(small.read([item.id])), await imageToModelPixels(item.path, 8), item.relPath);
});

test('a GIF is read by its first frame', async () => {
  const frames = Buffer.concat([Buffer.alloc(8 * 8 * 4, 0), Buffer.alloc(8 * 8 * 4, 255)]);
  for (let i = 3; i < 8 * 8 * 4; i += 4) frames[i] = 255; // the first frame opaque black
  const { store, result, path } = await importOne('anim.gif', (p) =>
    sharp(frames, { raw: { width: 8, height: 16, channels: 4, pageHeight: 8 } }).gif({ loop: 0 }).toFile(p),
  );
  assert.equal((await sharp(path).metadata()).pages, 2, 'the test file really has two frames');
  assert.equal(result.imported, 1);
  const item = store.images.list('all', undefined, 0, 1).items[0];
  assert.deepEqual([item.width, item.height], [8, 8], 'one frame, not the strip of frames');
  const pixels = cachedPixels(store, item.id);
  assert.ok(meanRgb(pixels)[0] < 20, `first frame is black, got ${meanRgb(pixels)}`);
});

test('BMP is imported where sharp reads it, and otherwise reported as unsupported', async () => {
  const { result, path } = await importOne('old.bmp', async (p) => writeFileSync(p, tinyBmp()));
  if (sharp.format.magick.input.buffer) {
    assert.equal(result.imported, 1);
  } else {
    assert.equal(result.imported, 0);
    assert.deepEqual(result.failed, [{ path, reason: 'BMP is not supported by this build’s image decoder; convert it to PNG to import it' }]);
  }
});

test('EXIF orientation 6 is applied: sides swapped, and the thumbnail and cache show the picture upright', async () => {
  // Stored 40 wide × 20 high, red left and blue right; orientation 6 means "rotate 90° clockwise to display",
  // which puts the red half on top of a 20 wide × 40 high picture.
  const { store, result } = await importOne('phone.jpg', (p) =>
    halves(40, 20, [255, 0, 0], [0, 0, 255]).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(p),
  );
  assert.equal(result.imported, 1);
  const item = store.images.list('all', undefined, 0, 1).items[0];
  assert.deepEqual([item.width, item.height], [20, 40]);
  const thumb = await sharp(store.layout.thumbnail(item.id)).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...thumb.data.subarray((y * thumb.info.width + x) * 3, (y * thumb.info.width + x) * 3 + 3)];
  assert.ok(at(64, 10)[0] > 200 && at(64, 10)[2] < 60, `top of thumbnail is red: ${at(64, 10)}`);
  assert.ok(at(64, 117)[2] > 200 && at(64, 117)[0] < 60, `bottom of thumbnail is blue: ${at(64, 117)}`);
  const cached = cachedPixels(store, item.id);
  const top = meanRgb(cached.subarray(0, 32 * 8 * 3));
  assert.ok(top[0] > 200 && top[2] < 60, `top rows of the cache are red: ${top}`);
});

test('grey, CMYK, 16-bit and transparent images are all stored as 8-bit RGB', async () => {
  const root = join(tempDir(), 'colour');
  mkdirSync(root);
  const solid = (rgb: number[], channels = 3) =>
    sharp(Buffer.from(Array.from({ length: 16 * 16 }, () => rgb).flat()), { raw: { width: 16, height: 16, channels: channels as 3 } });
  await sharp(Buffer.alloc(16 * 16, 128), { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toFile(join(root, 'grey.png'));
  await solid([200, 100, 50]).toColourspace('cmyk').jpeg({ quality: 100 }).toFile(join(root, 'cmyk.jpg'));
  await solid([20, 180, 90]).toColourspace('rgb16').png().toFile(join(root, 'deep.png'));
  await solid([40, 60, 220, 128], 4).png().toFile(join(root, 'alpha.png'));
  assert.equal((await sharp(join(root, 'cmyk.jpg')).metadata()).space, 'cmyk');
  assert.equal((await sharp(join(root, 'deep.png')).metadata()).depth, 'ushort');
  assert.equal((await sharp(join(root, 'grey.png')).metadata()).channels, 1);

  const store = ProjectStore.open(join(tempDir(), 'project'));
  const result = await importFolder(store, root);
  assert.deepEqual(result.failed, []);
  const expected: Record<string, number[]> = {
    'grey.png': [128, 128, 128],
    // Written from (200, 100, 50); sharp's CMYK profiles bring blue back near 21, but CMYK read as RGB would be far off.
    'cmyk.jpg': [200, 100, 30],
    'deep.png': [20, 180, 90],
    'alpha.png': [40, 60, 220], // the alpha channel is dropped, the colour kept
  };
  for (const item of store.images.list('all', undefined, 0, 10).items) {
    const mean = meanRgb(cachedPixels(store, item.id));
    expected[item.relPath].forEach((value, c) =>
      assert.ok(Math.abs(mean[c] - value) <= 12, `${item.relPath}: channel ${c} is ${mean[c].toFixed(1)}, expected ${value}`),
    );
    assert.equal((await sharp(store.layout.thumbnail(item.id)).metadata()).channels, 3, `${item.relPath} thumbnail is RGB`);
  }
});
