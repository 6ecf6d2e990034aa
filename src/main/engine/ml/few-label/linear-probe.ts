/**
 * Linear probe on frozen representations: multinomial logistic regression (softmax + small L2) fitted by
 * full-batch Adam on standardised features. With a few hundred dimensions this is a small matrix problem.
 */
import * as tf from '@tensorflow/tfjs';
import { readAndDispose } from '../backends/read-tensor';

export interface LinearProbeOptions {
  numClasses: number;
  /** Full-batch steps. */
  steps?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the bias). */
  weightDecay?: number;
}

/** A dense softmax layer's weights that take the raw (unstandardised) features: the probe as one layer. */
export interface DenseWeights {
  /** Row-major [dim × numClasses]. */
  kernel: Float32Array;
  bias: Float32Array;
}

export interface LinearProbe {
  /** The probe with its standardisation folded in: W/σ and b − (μ/σ)·W, for a plain dense layer. */
  denseWeights(): Promise<DenseWeights>;
  /** Class probabilities as a flat [n × numClasses] array for flat [n × dim] features. */
  probabilities(features: Float32Array): Promise<Float32Array>;
  /** Most probable class per row. */
  predict(features: Float32Array): Promise<Int32Array>;
  dispose(): void;
}

/** Fits the probe on flat row-major [n × dim] features and their class indices. */
export function trainLinearProbe(features: Float32Array, dim: number, labels: ArrayLike<number>, options: LinearProbeOptions): LinearProbe {
  const { numClasses, steps = 300, learningRate = 0.05, weightDecay = 1e-4 } = options;
  const n = features.length / dim;
  const x = tf.tensor2d(features, [n, dim]);
  // Standardising makes one learning rate fit every encoder, whatever the scale of its h.
  const { mean, variance } = tf.moments(x, 0);
  const std = tf.tidy(() => variance.sqrt().add(1e-6));
  const standardise = (f: tf.Tensor2D) => f.sub(mean).div(std) as tf.Tensor2D;
  const xs = tf.tidy(() => standardise(x));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), numClasses));
  const weights = tf.variable(tf.zeros([dim, numClasses]));
  const bias = tf.variable(tf.zeros([numClasses]));
  const optimizer = tf.train.adam(learningRate);
  for (let step = 0; step < steps; step++) {
    const cost = optimizer.minimize(() => {
      const logits = xs.matMul(weights).add(bias);
      return tf.losses.softmaxCrossEntropy(y, logits).add(weights.square().sum().mul(weightDecay)) as tf.Scalar;
    }, true, [weights, bias]);
    cost?.dispose();
  }
  optimizer.dispose();
  tf.dispose([x, xs, y]);

  const softmax = (f: Float32Array) => tf.tidy(() => tf.softmax(standardise(tf.tensor2d(f, [f.length / dim, dim])).matMul(weights).add(bias)));
  return {
    denseWeights: async () => {
      const kernel = tf.tidy(() => weights.div(std.reshape([dim, 1])));
      const folded = tf.tidy(() => bias.sub(mean.reshape([1, dim]).matMul(kernel).reshape([numClasses])));
      return { kernel: await readAndDispose(kernel), bias: await readAndDispose(folded) };
    },
    probabilities: (f) => readAndDispose(softmax(f)),
    predict: (f) => readAndDispose<Int32Array>(tf.tidy(() => softmax(f).argMax(1))),
    dispose: () => tf.dispose([weights, bias, mean, variance, std]),
  };
}
