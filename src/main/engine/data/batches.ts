/** Turning cached uint8 pixels into the float batches the models take, a batch at a time. */
import * as tf from '@tensorflow/tfjs';
import type { PixelCache } from './pixel-cache';

/** n images' side×side RGB bytes as float32 [n, side, side, 3] in [0, 1]: the model input the export documents. */
export function pixelBatch(pixels: Uint8Array, count: number, side: number): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(pixels, [count, side, side, 3], 'int32').toFloat().div<tf.Tensor4D>(255));
}

export function readImageBatch(cache: PixelCache, imageIds: number[]): tf.Tensor4D {
  return pixelBatch(cache.read(imageIds), imageIds.length, cache.side);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Throughput and time left, from the work done so far. */
export function rateAndEta(done: number, total: number, startedAt: number): { imagesPerSecond: number; etaSeconds: number } {
  const seconds = (performance.now() - startedAt) / 1000;
  const imagesPerSecond = seconds > 0 ? done / seconds : 0;
  return { imagesPerSecond, etaSeconds: imagesPerSecond > 0 ? Math.max(0, total - done) / imagesPerSecond : 0 };
}
