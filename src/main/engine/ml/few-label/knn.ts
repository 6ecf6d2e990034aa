/**
 * Weighted k-nearest-neighbour classification of representations (Wu et al. 2018, as used to monitor SimCLR):
 * cosine similarity, and each of the k nearest votes for its class with weight exp(sim / τ).
 */
import * as tf from '@tensorflow/tfjs';
import { readAndDispose } from '../backends/read-tensor';

export interface LabelledFeatures {
  /** Row-major [n × dim]. */
  features: Float32Array;
  labels: ArrayLike<number>;
}

export interface KnnOptions {
  /** Neighbours that vote. Default 200 (clipped to the bank size). */
  k?: number;
  /** Vote temperature τ in exp(sim / τ). Default 0.1. */
  temperature?: number;
  /** Queries are the bank itself: query i must not vote for itself (leave-one-out). */
  excludeSelf?: boolean;
}

/** Queries per similarity block, so memory stays O(block × bank). */
const blockRows = 256;

function unitRows(features: Float32Array, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.tensor2d(features, [features.length / dim, dim]);
    return x.div(x.norm('euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D;
  });
}

/** The predicted class of every query row. */
export async function knnPredict(bank: LabelledFeatures, queries: Float32Array, dim: number, options: KnnOptions = {}): Promise<Int32Array> {
  const { temperature = 0.1, excludeSelf = false } = options;
  const bankSize = bank.labels.length;
  const k = Math.min(options.k ?? 200, bankSize - (excludeSelf ? 1 : 0));
  const classes = Math.max(...Array.from(bank.labels)) + 1;
  const queryCount = queries.length / dim;
  const predictions = new Int32Array(queryCount);
  // Transposed once up front: wasm's matMul with a transposed right operand is an order of magnitude slower.
  const bankUnitT = tf.tidy(() => unitRows(bank.features, dim).transpose());
  try {
    for (let start = 0; start < queryCount; start += blockRows) {
      const rows = Math.min(blockRows, queryCount - start);
      const { values, indices } = tf.tidy(() => {
        let sims = tf.matMul(unitRows(queries.subarray(start * dim, (start + rows) * dim), dim), bankUnitT);
        if (excludeSelf) sims = sims.sub(tf.oneHot(tf.range(start, start + rows, 1, 'int32'), bankSize).mul(1e9));
        return tf.topk(sims, k);
      });
      const [sim, index] = await Promise.all([readAndDispose(values), readAndDispose<Int32Array>(indices)]);
      for (let r = 0; r < rows; r++) {
        const votes = new Float64Array(classes);
        for (let j = r * k; j < (r + 1) * k; j++) votes[bank.labels[index[j]]] += Math.exp(sim[j] / temperature);
        predictions[start + r] = votes.indexOf(Math.max(...votes));
      }
    }
  } finally {
    bankUnitT.dispose();
  }
  return predictions;
}

/** Fraction of queries whose weighted-kNN class equals their label. */
export async function knnAccuracy(bank: LabelledFeatures, queries: LabelledFeatures, dim: number, options: KnnOptions = {}): Promise<number> {
  const predicted = await knnPredict(bank, queries.features, dim, options);
  return predicted.filter((p, i) => p === queries.labels[i]).length / predicted.length;
}
