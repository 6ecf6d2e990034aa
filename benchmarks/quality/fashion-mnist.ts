/**
 * Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 train and 10,000 test 28×28 grey images in 10
 * classes, kept as uint8 and turned into float RGB batches only a batch at a time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/main/engine/ml/rng';
import { readIdxFile } from './idx';

export const defaultFashionMnistDir = '/usr/share/datasets/fashion-mnist';
export const fashionMnistClasses = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface GreyImages {
  count: number;
  side: number;
  /** count × side × side bytes. */
  pixels: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
}

async function readSplit(dir: string, prefix: 'train' | 't10k'): Promise<GreyImages> {
  const file = (kind: string) => {
    const path = join(dir, `${prefix}-${kind}`);
    return existsSync(`${path}.gz`) ? `${path}.gz` : path;
  };
  const images = await readIdxFile(file('images-idx3-ubyte'));
  const labels = await readIdxFile(file('labels-idx1-ubyte'));
  const [count, side] = images.dims;
  if (labels.dims[0] !== count) throw new Error(`${prefix}: ${count} images but ${labels.dims[0]} labels`);
  return { count, side, pixels: images.data, labels: labels.data };
}

export async function loadFashionMnist(dir = defaultFashionMnistDir): Promise<{ train: GreyImages; test: GreyImages }> {
  if (!existsSync(dir)) throw new Error(`${dir} not found: apt-get install -y dataset-fashion-mnist`);
  return { train: await readSplit(dir, 'train'), test: await readSplit(dir, 't10k') };
}

/** The first n images (for quick development runs). */
export function firstImages(set: GreyImages, n: number): GreyImages {
  const count = Math.min(n, set.count);
  const area = set.side * set.side;
  return { count, side: set.side, pixels: set.pixels.subarray(0, count * area), labels: set.labels.subarray(0, count) };
}

/** float32 [B, side, side, 3] in [0, 1], grey replicated to RGB; the models resize to their own input size. */
export function rgbBatch(set: GreyImages, indices: ArrayLike<number>): tf.Tensor4D {
  const area = set.side * set.side;
  const values = new Float32Array(indices.length * area);
  for (let i = 0; i < indices.length; i++) {
    const source = set.pixels.subarray(indices[i] * area, (indices[i] + 1) * area);
    for (let p = 0; p < area; p++) values[i * area + p] = source[p] / 255;
  }
  return tf.tidy(() => tf.tile(tf.tensor4d(values, [indices.length, set.side, set.side, 1]), [1, 1, 1, 3]) as tf.Tensor4D);
}

/** Raw pixels in [0, 1] as a flat [count × side²] array, for the pixel-space kNN reference. */
export function pixelFeatures(set: GreyImages): Float32Array {
  return Float32Array.from(set.pixels, (v) => v / 255);
}

/** The first `perClass` images of each class in a seeded random order; a smaller subset is a prefix of a larger one. */
export function balancedSubset(set: GreyImages, perClass: number, seed: number, numClasses = 10): { indices: number[]; labels: number[] } {
  const order = new Rng(seed).shuffle(Array.from({ length: set.count }, (_, i) => i));
  const taken = new Array<number>(numClasses).fill(0);
  const indices = order.filter((i) => taken[set.labels[i]] < perClass && ++taken[set.labels[i]] > 0).sort((a, b) => a - b);
  return { indices, labels: indices.map((i) => set.labels[i]) };
}
