/** SimCLR's projection head g(·): the contrastive loss is applied to z = g(h), not to h itself. */
import * as tf from '@tensorflow/tfjs';
import { kernelInitializers } from './encoder';

/** Linear(d,d) → BN → ReLU → Linear(d,outDim). A seed makes the initial weights reproducible. */
export function buildProjectionHead(inputDim: number, outDim = 128, seed?: number): tf.LayersModel {
  const init = kernelInitializers(seed);
  const input = tf.input({ shape: [inputDim], name: 'h_in' });
  // No bias before batch norm: its beta already shifts.
  let x = tf.layers.dense({ units: inputDim, useBias: false, kernelInitializer: init(), name: 'head_dense1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.9, name: 'head_batch_normalization' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'head_relu' }).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: outDim, kernelInitializer: init(), name: 'head_dense2' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: z, name: 'projection_head' });
}

/** g's first layer, in order: what SimCLRv2 keeps of the head when fine-tuning. */
const firstLayerNames = ['head_dense1', 'head_batch_normalization', 'head_relu'];

/**
 * g's first layer (Linear → BN → ReLU) applied to h, sharing the head's layers and so its pretrained weights.
 * SimCLRv2 fine-tunes from here rather than from h: with 1 % of the labels it classifies better.
 */
export function applyHeadFirstLayer(head: tf.LayersModel, h: tf.SymbolicTensor): tf.SymbolicTensor {
  return firstLayerNames.reduce((x, name) => head.getLayer(name).apply(x) as tf.SymbolicTensor, h);
}
