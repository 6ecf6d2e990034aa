/**
 * The gradient of a SimCLR step over a batch too big to hold at once, exact for the whole batch's NT-Xent loss
 * (Gao et al. 2021, "gradient cache"). The loss couples every view with every other, so the batch cannot simply
 * be cut into parts whose gradients are added. Instead: project the views a micro-batch at a time without
 * keeping activations; take the loss over all 2B projections and its gradient with respect to each; then run
 * each micro-batch again with the tape on and backpropagate its rows of that gradient. The price is one more
 * forward pass; batch norm normalises within each micro-batch, as it does per device in the paper's training
 * across TPU cores.
 */
import * as tf from '@tensorflow/tfjs';
import { frugalVariableGrads } from './frugal-backprop';
import { applyTraining } from './frugal-forward';

/** The networks a view passes through: encoder f, then projection head g. */
export interface Projector {
  readonly encoder: tf.LayersModel;
  readonly head: tf.LayersModel;
}

/** The two augmented views of the same images: row i of each comes from image i. */
export type ViewPair = [tf.Tensor4D, tf.Tensor4D];

/** The contrastive loss over the projections of the views, differentiable in both. */
export type ProjectionLoss = (z1: tf.Tensor2D, z2: tf.Tensor2D) => tf.Scalar;

/** z = g(f(views)) in training mode, both views of a micro-batch in one pass so batch norm sees them together. */
function project(model: Projector, [views1, views2]: ViewPair): tf.Tensor2D {
  return applyTraining(model.head, applyTraining(model.encoder, tf.concat([views1, views2]))) as tf.Tensor2D;
}

/**
 * Sizes of the fewest micro-batches of at most `limit` that hold `count` images, as even as can be: batch norm
 * normalises within each, so a last micro-batch of one image would see only its own two views.
 */
export function microBatchSizes(count: number, limit: number): number[] {
  const parts = Math.max(1, Math.ceil(count / limit));
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0));
}

/** The items in micro-batches of at most `limit` (microBatchSizes), in order. */
export function inMicroBatches<T>(items: readonly T[], limit: number): T[][] {
  let start = 0;
  return microBatchSizes(items.length, limit).map((size) => items.slice(start, (start += size)));
}

/**
 * The pair cut into micro-batches of at most `images` images (microBatchSizes), in order. A pair that fits
 * comes back as it is; the caller disposes the parts as well as the pair (disposing a tensor twice is harmless).
 */
export function splitViews(pair: ViewPair, images: number): ViewPair[] {
  const count = pair[0].shape[0];
  if (count <= images) return [pair];
  const sizes = microBatchSizes(count, images);
  const [firsts, seconds] = pair.map((views) => tf.split(views, sizes) as tf.Tensor4D[]);
  return firsts.map((first, i) => [first, seconds[i]]);
}

/** The batch-norm moving statistics, which every training-mode pass updates. */
export function movingStatistics(model: Projector): tf.LayerVariable[] {
  return [...model.encoder.nonTrainableWeights, ...model.head.nonTrainableWeights];
}

/**
 * The loss over all micro-batches' views and its gradients with respect to `variables`, named by variable.
 * One micro-batch is a plain backward pass. The moving statistics end as after one training-mode pass over
 * each micro-batch, not two.
 */
export function contrastiveGradients(model: Projector, variables: tf.Variable[], microBatches: ViewPair[], lossOf: ProjectionLoss): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  if (microBatches.length === 1) {
    return frugalVariableGrads(() => {
      const [z1, z2] = tf.split(project(model, microBatches[0]), 2) as tf.Tensor2D[];
      return lossOf(z1, z2);
    }, variables);
  }
  // Pass 1: every projection, no tape, so each micro-batch's activations go as soon as it is projected.
  const projections = microBatches.map((pair) => tf.tidy(() => tf.split(project(model, pair), 2) as tf.Tensor2D[]));
  const statistics = movingStatistics(model).map((w) => w.read().clone());
  const z1 = tf.concat(projections.map(([one]) => one)) as tf.Tensor2D;
  const z2 = tf.concat(projections.map(([, two]) => two)) as tf.Tensor2D;
  tf.dispose(projections);
  const { value, grads: projectionGrads } = tf.valueAndGrads((one, two) => lossOf(one as tf.Tensor2D, two as tf.Tensor2D))([z1, z2]);
  tf.dispose([z1, z2]);
  const sizes = microBatches.map(([views]) => views.shape[0]);
  const [dz1, dz2] = projectionGrads.map((dz) => tf.split(dz, sizes) as tf.Tensor2D[]);
  tf.dispose(projectionGrads);

  // Pass 2: each micro-batch again with the tape; ∑ z·dz has the weights' gradient of the loss through these rows.
  const summed: tf.NamedTensorMap = {};
  microBatches.forEach((pair, i) => {
    const dz = tf.concat([dz1[i], dz2[i]]);
    const part = frugalVariableGrads(() => tf.sum(tf.mul(project(model, pair), dz)), variables);
    part.value.dispose();
    dz.dispose();
    for (const [name, grad] of Object.entries(part.grads)) {
      const previous = summed[name];
      summed[name] = previous ? tf.add(previous, grad) : grad;
      if (previous) tf.dispose([previous, grad]);
    }
  });
  tf.dispose([...dz1, ...dz2]);
  movingStatistics(model).forEach((w, i) => w.write(statistics[i]));
  tf.dispose(statistics);
  return { value, grads: summed };
}
