/** NT-Xent, the normalised temperature-scaled cross-entropy loss of SimCLR (Chen et al. 2020, eq. 1). */
import * as tf from '@tensorflow/tfjs';

/** Added to a view's similarity with itself so it never counts as a candidate; exp() of it underflows to 0. */
const selfMask = -1e9;

/** Rows scaled to unit length (the epsilon keeps an all-zero row finite). */
function l2NormalizeRows(z: tf.Tensor2D): tf.Tensor2D {
  return z.div(z.square().sum(1, true).maximum(1e-12).sqrt());
}

/**
 * z1[i] and z2[i] are projections of two views of image i. Over all 2B views: cosine similarities / τ, each
 * view's positive is its other view, the other 2B−2 are negatives; returns the mean cross-entropy.
 */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const batch = z1.shape[0];
    const z = l2NormalizeRows(tf.concat([z1, z2], 0));
    const logits = tf.matMul(z, z, false, true).div(temperature).add(tf.eye(2 * batch).mul(selfMask));
    // View i's positive is i+B (first half) or i−B (second half).
    const positives = tf.concat([tf.range(batch, 2 * batch, 1, 'int32'), tf.range(0, batch, 1, 'int32')]);
    const labels = tf.oneHot(positives, 2 * batch);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  });
}
