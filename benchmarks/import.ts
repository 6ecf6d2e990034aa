/**
 * Import throughput, printed as one JSON object:
 *   node --import tsx benchmarks/import.ts [--count 10000] [--compare-without-cache]
 * Generates `count` distinct 256×256 JPEGs once into a temp folder (reused by later runs, never timed), then
 * imports them into a fresh project: read + hash + decode + WebP thumbnail + 32 px training-cache record each.
 * Peak memory is the process's RSS high-water mark; the JPEGs are generated in a child process so they do not
 * count. With --compare-without-cache a second import into another project skips the cache, to price it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { importFolder } from '../src/main/engine/import/import-folder';
import { ProjectStore } from '../src/main/engine/store/project-store';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    'compare-without-cache': { type: 'boolean', default: false },
    generate: { type: 'string' },
  },
});
const count = Number(values.count);
const side = 256;

/** A smooth gradient, a few rectangles and some noise: JPEG sizes like photos', and every image distinct. */
function syntheticPixels(index: number): Buffer {
  let seed = (index * 2654435761 + 1) >>> 0;
  // Math.imul keeps the LCG in 32-bit integers; a float product would lose its low bits and repeat images.
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pixels = Buffer.alloc(side * side * 3);
  const base = [random() * 255, random() * 255, random() * 255];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const o = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) pixels[o + c] = (base[c] + x * (c + 1) * 0.3 + y * (3 - c) * 0.3 + random() * 24) & 255;
    }
  }
  for (let r = 0; r < 4; r++) {
    const [x0, y0, w, h] = [random() * side, random() * side, 20 + random() * 100, 20 + random() * 100].map(Math.floor);
    const colour = [random() * 255, random() * 255, random() * 255];
    for (let y = y0; y < Math.min(side, y0 + h); y++) {
      for (let x = x0; x < Math.min(side, x0 + w); x++) pixels.set(colour, (y * side + x) * 3);
    }
  }
  return pixels;
}

async function generate(folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const jpeg = await sharp(syntheticPixels(i), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    // A hundred files per sub-folder, as photo collections tend to be split.
    const sub = join(folder, String(Math.floor(i / 100)).padStart(3, '0'));
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${String(i).padStart(6, '0')}.jpg`), jpeg);
  }
  writeFileSync(join(folder, 'complete'), String(count));
}

async function timedImport(folder: string, cacheSide: number | null) {
  const store = ProjectStore.open(join(mkdtempSync(join(tmpdir(), 'simclr-bench-project-')), 'project'));
  const started = performance.now();
  const result = await importFolder(store, folder, { cacheSide });
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return {
    imported: result.imported,
    duplicates: result.duplicates,
    failed: result.failed.length,
    seconds: round(seconds),
    imagesPerSecond: round(result.imported / seconds),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

if (values.generate) {
  await generate(values.generate);
} else {
  const folder = join(tmpdir(), `simclr-bench-import-${count}`);
  if (!existsSync(join(folder, 'complete'))) {
    // In a child process, so generating does not raise this process's memory high-water mark.
    execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--generate', folder, '--count', String(count)], { stdio: 'inherit' });
  }
  const withCache = await timedImport(folder, 32);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const withoutCache = values['compare-without-cache'] ? await timedImport(folder, null) : undefined;
  const output = {
    images: count,
    imageSize: `${side}x${side} jpeg`,
    folders: readdirSync(folder).length - 1,
    cpus: availableParallelism(),
    ...withCache,
    peakRssMb,
    ...(withoutCache && {
      withoutCacheImagesPerSecond: withoutCache.imagesPerSecond,
      cacheCostFraction: Math.round((1 - withCache.imagesPerSecond / withoutCache.imagesPerSecond) * 100) / 100,
    }),
  };
  process.stdout.write(JSON.stringify(output) + '\n');
}
