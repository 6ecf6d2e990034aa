/**
 * The top principal components of a set of rows, by subspace iteration on their covariance, on the active tfjs
 * backend. The map uses them twice: to bring a wide encoder's vectors down to a few dozen numbers before the
 * neighbour search, and as the layout's starting point, which keeps the map's large-scale arrangement.
 */
import * as tf from '@tensorflow/tfjs';

const iterations = 24;

/** The rows (count × dim) projected on their first `components` principal directions, count × components. */
export function principalComponents(rows: tf.Tensor2D, components: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [count, dim] = rows.shape;
    const m = Math.min(components, dim);
    const centred = rows.sub(rows.mean(0, true));
    const covariance = tf.matMul(centred, centred, true, false).div(Math.max(1, count - 1)) as tf.Tensor2D;
    let basis = tf.linalg.gramSchmidt(tf.randomNormal([m, dim], 0, 1, 'float32', seed) as tf.Tensor2D) as tf.Tensor2D;
    for (let i = 0; i < iterations; i++) {
      const next = tf.linalg.gramSchmidt(tf.matMul(basis, covariance) as tf.Tensor2D) as tf.Tensor2D;
      basis.dispose();
      basis = next;
    }
    return tf.matMul(centred, basis, false, true) as tf.Tensor2D;
  });
}
