/** Procedural images of three shapes (square, circle, stripes) in random colours, for training tests. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/main/engine/ml/rng';

export const shapeClasses = ['square', 'circle', 'stripes'] as const;

/** Returns float32 [count, size, size, 3] in [0, 1] and labels cycling through the classes. */
export function shapeImages(count: number, size: number, seed: number): { images: tf.Tensor4D; labels: number[] } {
  const rng = new Rng(seed);
  const data = new Float32Array(count * size * size * 3);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const label = n % shapeClasses.length;
    labels.push(label);
    const fg = [rng.next(), rng.next(), rng.next()];
    const bg = fg.map((v) => (v + 0.5) % 1); // far from the foreground in every channel
    const r = size * rng.uniform(0.25, 0.4);
    const cy = rng.uniform(r, size - r);
    const cx = rng.uniform(r, size - r);
    const period = rng.uniform(3, 5);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside =
          label === 0 ? Math.abs(y - cy) < r && Math.abs(x - cx) < r
          : label === 1 ? (y - cy) ** 2 + (x - cx) ** 2 < r * r
          : Math.floor(x / period) % 2 === 0;
        const c = inside ? fg : bg;
        data.set(c, ((n * size + y) * size + x) * 3);
      }
    }
  }
  return { images: tf.tensor4d(data, [count, size, size, 3]), labels };
}
