/**
 * The benchmark's image sets as a user has them: a folder of PNG files (train/ and test/ sub-folders, imported
 * without their names as labels), written once and reused. Beside Fashion-MNIST as it comes, a tinted stand-in
 * for a colour folder whose colours say nothing of the class: each image gets its own random foreground and
 * background colour, so raw pixels and an encoder that learnt colour are both led astray.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/main/engine/ml/rng';
import type { GreyImages } from './fashion-mnist';

export const benchDatasets = ['fashion-mnist', 'tinted'] as const;
export type BenchDataset = (typeof benchDatasets)[number];

export interface ImageSet {
  /** count × side × side × channels bytes. */
  pixels: Uint8Array;
  channels: 1 | 3;
  side: number;
  labels: Uint8Array;
  count: number;
}

/**
 * Each image's grey value v (0 = background, 255 = garment) becomes background·(1 − v) + foreground·v, with both
 * colours drawn per image uniformly from the RGB cube: a strong cast on either part that is independent of the class.
 */
export function tint(images: GreyImages, seed: number): ImageSet {
  const area = images.side * images.side;
  const pixels = new Uint8Array(images.count * area * 3);
  const rng = new Rng(seed);
  for (let i = 0; i < images.count; i++) {
    const background = [rng.next(), rng.next(), rng.next()].map((c) => c * 255);
    const foreground = [rng.next(), rng.next(), rng.next()].map((c) => c * 255);
    for (let p = 0; p < area; p++) {
      const v = images.pixels[i * area + p] / 255;
      for (let c = 0; c < 3; c++) pixels[(i * area + p) * 3 + c] = Math.round(background[c] * (1 - v) + foreground[c] * v);
    }
  }
  return { pixels, channels: 3, side: images.side, labels: images.labels, count: images.count };
}

export const asImageSet = (images: GreyImages): ImageSet => ({ ...images, channels: 1 });

/** The first n images of a set. */
export function firstOf(set: ImageSet, n: number): ImageSet {
  const count = Math.min(n, set.count);
  const size = set.side * set.side * set.channels;
  return { ...set, count, pixels: set.pixels.subarray(0, count * size), labels: set.labels.subarray(0, count) };
}

export interface BenchFolder {
  folder: string;
  /** Paths relative to the folder, `train/000123.png`, in index order per split. */
  trainFiles: string[];
  testFiles: string[];
}

const fileName = (index: number) => `${String(index).padStart(6, '0')}.png`;

/** Writes train/ and test/ as PNG files under `root/name` unless a completed earlier run left them there. */
export async function writeBenchFolder(root: string, name: string, train: ImageSet, test: ImageSet): Promise<BenchFolder> {
  const folder = join(root, name);
  const trainFiles = Array.from({ length: train.count }, (_, i) => `train/${fileName(i)}`);
  const testFiles = Array.from({ length: test.count }, (_, i) => `test/${fileName(i)}`);
  if (!existsSync(join(folder, 'complete'))) {
    for (const [split, set, files] of [['train', train, trainFiles], ['test', test, testFiles]] as const) {
      mkdirSync(join(folder, split), { recursive: true });
      const size = set.side * set.side * set.channels;
      for (let i = 0; i < set.count; i++) {
        const raw = { width: set.side, height: set.side, channels: set.channels };
        await sharp(Buffer.from(set.pixels.subarray(i * size, (i + 1) * size)), { raw }).png().toFile(join(folder, files[i]));
      }
    }
    // Outside the imported sub-folders' image files: import skips what is not an image.
    writeFileSync(join(folder, 'complete'), `${train.count} ${test.count}\n`);
  }
  return { folder, trainFiles, testFiles };
}
