import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateSampleFolder, type SampleFolder } from '../../src/main/engine/sample/generate-sample';

const PER_CLASS = 20;
const SIZE = 48;

let workDir: string;
let sample: SampleFolder;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'simclr-sample-'));
  sample = await generateSampleFolder(join(workDir, 'seed-7'), { perClass: PER_CLASS, size: SIZE, seed: 7 });
});

after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function imageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name !== 'labels.csv')
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}

test('writes perClass images for each of the default four classes in ImageFolder layout', async () => {
  assert.deepEqual(sample.classes, ['circles', 'stripes', 'checkers', 'triangles']);
  assert.equal(sample.files, 4 * PER_CLASS);
  const files = await imageFiles(sample.dir);
  assert.equal(files.length, sample.files);
  for (const file of files) {
    assert.match(file, /^(\w+)\/\1_\d{3}\.(png|jpg|webp)$/);
  }
  const formats = new Set(files.map((file) => file.split('.').pop()));
  assert.deepEqual([...formats].sort(), ['jpg', 'png', 'webp']);
});

test('every file decodes to a size×size colour image with 3 channels', async () => {
  for (const file of await imageFiles(sample.dir)) {
    const { width, height, channels } = await sharp(join(sample.dir, file)).metadata();
    assert.deepEqual({ file, width, height, channels }, { file, width: SIZE, height: SIZE, channels: 3 });
  }
});

test('labels.csv lists exactly the image files, each with its folder as label', async () => {
  const [header, ...rows] = (await readFile(sample.labelsCsv, 'utf8')).trimEnd().split('\n');
  assert.equal(header, 'path,label');
  const labelled = rows.map((row) => row.split(','));
  assert.deepEqual(labelled.map(([path]) => path).sort(), await imageFiles(sample.dir));
  for (const [path, label] of labelled) assert.equal(path.split('/')[0], label);
});

test('the same seed gives identical bytes and another seed gives different ones', async () => {
  const again = await generateSampleFolder(join(workDir, 'seed-7-again'), { perClass: 1, size: SIZE, seed: 7 });
  const other = await generateSampleFolder(join(workDir, 'seed-8'), { perClass: 1, size: SIZE, seed: 8 });
  const png = 'stripes/stripes_000.png';
  const original = await readFile(join(sample.dir, png));
  assert.ok(original.equals(await readFile(join(again.dir, png))), 'same seed should reproduce the PNG byte for byte');
  assert.ok(!original.equals(await readFile(join(other.dir, png))), 'a different seed should change the PNG');
});

test('classes differ by texture: stripes and checkers have far more edges than circles and triangles', async () => {
  const edges = new Map<string, number>();
  for (const label of sample.classes) edges.set(label, await meanEdgeStrength(sample.dir, label));
  const busy = Math.min(edges.get('stripes')!, edges.get('checkers')!);
  const plain = Math.max(edges.get('circles')!, edges.get('triangles')!);
  assert.ok(busy > 2 * plain, `expected textured classes to have over twice the edge strength: ${JSON.stringify(Object.fromEntries(edges))}`);
});

/** Mean absolute horizontal plus vertical gradient of the greyscale image, averaged over a class. */
async function meanEdgeStrength(dir: string, label: string): Promise<number> {
  const files = (await imageFiles(dir)).filter((file) => file.startsWith(`${label}/`));
  let total = 0;
  for (const file of files) {
    const grey = await sharp(join(dir, file)).greyscale().raw().toBuffer();
    let sum = 0;
    for (let y = 0; y < SIZE - 1; y++) {
      for (let x = 0; x < SIZE - 1; x++) {
        const here = grey[y * SIZE + x];
        sum += Math.abs(grey[y * SIZE + x + 1] - here) + Math.abs(grey[(y + 1) * SIZE + x] - here);
      }
    }
    total += sum / (SIZE - 1) ** 2;
  }
  return total / files.length;
}
