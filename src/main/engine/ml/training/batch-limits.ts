/**
 * How many images a step can take through the encoder at once on the active backend (more train in
 * micro-batches, see micro-batch.ts), known before the first step tries. On WebGPU each tensor is one storage
 * buffer, and a kernel can bind at most maxStorageBufferBindingSize bytes of it (2 GiB on NVIDIA's Vulkan
 * driver): a bigger activation does not fail cleanly but fills the GPU's memory on its way to failing.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../../shared/contract';
import { currentBackend } from '../backends/backend';

const bytesPerFloat = 4;

/** Bytes per view (float32) of each output of each of the encoder's layers. */
function outputBytesPerView(encoder: tf.LayersModel): number[] {
  return encoder.layers.flatMap((layer) => {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    return shapes.map(([, ...perView]) => perView.reduce<number>((n, d) => n * (d ?? 1), bytesPerFloat));
  });
}

/** Bytes per view of the encoder's largest layer output, which a step holds for all 2B views. */
export function largestActivationBytesPerView(encoder: tf.LayersModel): number {
  return Math.max(...outputBytesPerView(encoder));
}

/** The largest number of bytes one tensor may have on the active backend (Infinity where none is known). */
export function tensorByteLimit(): number {
  if (tf.getBackend() !== 'webgpu') return Infinity;
  const { device } = tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } };
  return device.limits.maxStorageBufferBindingSize;
}

/** The largest batch (images, each seen as two views) whose largest activation the backend can bind. */
export function largestBatchFor(encoder: tf.LayersModel): number {
  return Math.floor(tensorByteLimit() / (2 * largestActivationBytesPerView(encoder)));
}

/** Bytes a training step holds per image: every layer's output for both views, about what backprop keeps. */
export function trainingBytesPerImage(encoder: tf.LayersModel): number {
  return 2 * outputBytesPerView(encoder).reduce((sum, bytes) => sum + bytes, 0);
}

const gib = 2 ** 30;

/**
 * The activations one thread's step may hold on the active backend. wasm: each thread's heap (at most 4 GiB)
 * never shrinks, and 1 GiB keeps resnet-mini's 128 images per thread in one pass. GPUs do not say how much
 * memory they have, and tfjs-webgpu pools about twice what it holds (80 GB for resnet50's 36 GiB at batch 128
 * on an H200), so 4 GiB suits a GPU of 10 GB or more; a bigger one is given a micro-batch size instead.
 */
export function activationBudgetBytes(): number {
  const backend = tf.getBackend();
  if (backend === 'wasm') return gib;
  if (backend === 'webgpu' || (backend === 'tensorflow' && currentBackend() === 'tensorflow-gpu')) return 4 * gib;
  return Infinity;
}

const inGib = (bytes: number) => `${(bytes / gib).toFixed(1)} GiB`;

/**
 * Images per micro-batch: `requested`, if its largest activation fits one tensor on the backend, else a
 * StudioError naming the size that fits; without a request, the most that fits both that and the activation
 * budget (Infinity where neither limits it).
 */
export function largestMicroBatch(encoder: tf.LayersModel, imageSize: number, requested?: number): number {
  const bindable = largestBatchFor(encoder);
  const activation = (images: number) => inGib(2 * images * largestActivationBytesPerView(encoder));
  const limit = `the ${tf.getBackend()} backend holds at most ${inGib(tensorByteLimit())} in one tensor`;
  if (bindable < 1) throw new StudioError(`One image at ${imageSize} px makes a ${activation(1)} activation; ${limit}. Choose a smaller image size.`);
  if (requested !== undefined) {
    if (requested <= bindable) return requested;
    throw new StudioError(`A micro-batch of ${requested} at ${imageSize} px makes a ${activation(requested)} activation; ${limit}. Choose a micro-batch of ${bindable} or less.`);
  }
  return Math.max(1, Math.min(bindable, Math.floor(activationBudgetBytes() / trainingBytesPerImage(encoder))));
}
