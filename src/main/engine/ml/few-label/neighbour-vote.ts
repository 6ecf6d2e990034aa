/**
 * Nearest-neighbour classification that exports as three plain layers. Every labelled image votes for its class
 * with weight exp(r / τ), r the correlation of its h with the query's (each h standardised across its own
 * features, so r is the cosine of the centred vectors); a small τ lets only the nearest few count. Top-k voting
 * would need a custom layer no other runtime loads; this needs layer normalisation, a dense layer holding the
 * labelled images and a dense layer holding their classes.
 */
import * as tf from '@tensorflow/tfjs';
import type { LabelledFeatures } from './knn';
import { readAndDispose } from '../backends/read-tensor';

/**
 * At 0.02 a neighbour 0.1 more correlated counts e^5 ≈ 150× as much: close to 1- to 5-NN, which beat a 20-NN vote
 * with 10 labels a class (Fashion-MNIST h after a 30-s pretrain on 2,000 images, 500 test images: 59 % 1-NN,
 * 54 % 5-NN, 45 % 20-NN; this vote 59 %; at τ 0.1, 50 %).
 */
export const neighbourTemperature = 0.02;

/** Queries per block, so memory stays O(block × labelled images) however many there are of either. */
const blockRows = 1024;

/** Added to each row's variance, here and in the exported layer normalisation alike. */
const epsilon = 1e-6;

/** Each row of flat [n × dim] minus its mean, over its standard deviation: what LayerNormalization computes. */
export function standardiseRows(values: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let start = 0; start < values.length; start += dim) {
    const row = values.subarray(start, start + dim);
    const mean = row.reduce((a, b) => a + b, 0) / dim;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / dim;
    const scale = 1 / Math.sqrt(variance + epsilon);
    for (let j = 0; j < dim; j++) out[start + j] = (row[j] - mean) * scale;
  }
  return out;
}

/** The voting weights as a dense kernel [dim × bank]: standardised rows, over dim (so their product is r) and τ. */
function bankKernel(bank: LabelledFeatures, dim: number, temperature: number): tf.Tensor2D {
  const rows = standardiseRows(bank.features, dim);
  return tf.tidy(() => tf.tensor2d(rows, [bank.labels.length, dim]).transpose().div(dim * temperature));
}

function classKernel(labels: ArrayLike<number>, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), numClasses).toFloat() as tf.Tensor2D);
}

/** Each query's class probabilities, flat [queries × numClasses]: the vote's share per class. */
export async function neighbourVoteProbabilities(bank: LabelledFeatures, queries: Float32Array, dim: number, numClasses: number, temperature = neighbourTemperature): Promise<Float32Array> {
  const kernels = [bankKernel(bank, dim, temperature), classKernel(bank.labels, numClasses)];
  const standardised = standardiseRows(queries, dim);
  const count = queries.length / dim;
  const shares = new Float32Array(count * numClasses);
  try {
    for (let start = 0; start < count; start += blockRows) {
      const rows = Math.min(blockRows, count - start);
      const block = tf.tidy(() =>
        tf
          .tensor2d(standardised.subarray(start * dim, (start + rows) * dim), [rows, dim])
          .matMul(kernels[0])
          .softmax()
          .matMul(kernels[1]),
      );
      shares.set(await readAndDispose(block), start * numClasses);
    }
    return shares;
  } finally {
    tf.dispose(kernels);
  }
}

/** The frozen encoder with the vote over `bank` (h of the labelled images) on top, as one layers model. */
export function buildNeighbourClassifier(encoder: tf.LayersModel, bank: LabelledFeatures, numClasses: number, temperature = neighbourTemperature): tf.LayersModel {
  const dim = encoder.outputs[0].shape[1] as number;
  const size = bank.labels.length;
  const initial = [bankKernel(bank, dim, temperature), classKernel(bank.labels, numClasses)];
  const standardised = tf.layers.layerNormalization({ axis: -1, center: false, scale: false, epsilon, name: 'neighbour_standardise' });
  const vote = tf.layers.dense({ units: size, useBias: false, activation: 'softmax', name: 'neighbour_vote', weights: [initial[0]] });
  const classes = tf.layers.dense({ units: numClasses, useBias: false, name: 'classifier', weights: [initial[1]] });
  const probabilities = classes.apply(vote.apply(standardised.apply(encoder.outputs[0]))) as tf.SymbolicTensor;
  // The layers copied their initial weights when applied.
  tf.dispose(initial);
  return tf.model({ inputs: encoder.inputs, outputs: probabilities, name: 'classifier_model' });
}
