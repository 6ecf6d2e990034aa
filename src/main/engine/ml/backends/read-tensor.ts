/**
 * Reads a tensor's values into JS and frees it. Always asynchronous: WebGPU can only map GPU memory for
 * reading asynchronously, and tfjs-backend-webgpu's synchronous read needs a browser's OffscreenCanvas.
 */
import type * as tf from '@tensorflow/tfjs';

export async function readAndDispose<Values extends Float32Array | Int32Array = Float32Array>(tensor: tf.Tensor): Promise<Values> {
  try {
    return (await tensor.data()) as Values;
  } finally {
    tensor.dispose();
  }
}
