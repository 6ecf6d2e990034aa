/**
 * Whether a batch can train on the active backend before the first step tries. On WebGPU each tensor is one
 * storage buffer, and a kernel can bind at most maxStorageBufferBindingSize bytes of it (2 GiB on NVIDIA's
 * Vulkan driver): a bigger activation does not fail cleanly but fills the GPU's memory on its way to failing.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../shared/contract';

const bytesPerFloat = 4;

/** Bytes per view of the encoder's largest layer output (float32), which a step holds for all 2B views. */
export function largestActivationBytesPerView(encoder: tf.LayersModel): number {
  let largest = 0;
  for (const layer of encoder.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const [, ...perView] of shapes) largest = Math.max(largest, perView.reduce<number>((n, d) => n * (d ?? 1), bytesPerFloat));
  }
  return largest;
}

/** The largest number of bytes one tensor may have on the active backend (Infinity where none is known). */
export function tensorByteLimit(): number {
  if (tf.getBackend() !== 'webgpu') return Infinity;
  const { device } = tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } };
  return device.limits.maxStorageBufferBindingSize;
}

/** The largest batch (images, each seen as two views) whose activations the active backend can hold. */
export function largestBatchFor(encoder: tf.LayersModel): number {
  return Math.floor(tensorByteLimit() / (2 * largestActivationBytesPerView(encoder)));
}

/** Throws a StudioError that names the batch that fits, when `batchSize` does not. */
export function assertBatchFits(encoder: tf.LayersModel, batchSize: number, imageSize: number): void {
  const fits = largestBatchFor(encoder);
  if (batchSize <= fits) return;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  throw new StudioError(
    `Batch ${batchSize} at ${imageSize} px makes a ${gib(2 * batchSize * largestActivationBytesPerView(encoder))} activation; ` +
      `the ${tf.getBackend()} backend holds at most ${gib(tensorByteLimit())} in one tensor. Choose a batch of ${fits} or less, or a smaller image size.`,
  );
}
