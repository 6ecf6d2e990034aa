import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { ntXentLoss } from '../../../src/main/engine/ml/model/loss';
import { Rng } from '../../../src/main/engine/ml/rng';

await initBackend('wasm');

/** SimCLR Algorithm 1 transcribed literally: views interleaved as 2k, 2k+1; l(i,j) summed over pairs. */
function referenceLoss(z1: number[][], z2: number[][], tau: number): number {
  const z: number[][] = [];
  z1.forEach((row, k) => z.push(row, z2[k]));
  const n2 = z.length;
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  const sim = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));
  const l = (i: number, j: number) => {
    let denom = 0;
    for (let k = 0; k < n2; k++) if (k !== i) denom += Math.exp(sim(z[i], z[k]) / tau);
    return -Math.log(Math.exp(sim(z[i], z[j]) / tau) / denom);
  };
  let total = 0;
  for (let k = 0; k < n2 / 2; k++) total += l(2 * k, 2 * k + 1) + l(2 * k + 1, 2 * k);
  return total / n2;
}

function loss(z1: number[][], z2: number[][], tau: number): number {
  return tf.tidy(() => ntXentLoss(tf.tensor2d(z1), tf.tensor2d(z2), tau).dataSync()[0]);
}

test('hand-checkable cases', () => {
  // One image: the positive is the only candidate, so the loss is exactly 0 whatever the similarity.
  assert.ok(Math.abs(loss([[1, 0]], [[0, 1]], 0.5)) < 1e-6);
  // Two images, identical views e1, e2: each view has positive sim 1 and two negatives with sim 0 →
  // −log(e^{1/τ} / (e^{1/τ} + 2)); at τ = 1 that is log(1 + 2/e).
  const expected = Math.log(1 + 2 / Math.E);
  assert.ok(Math.abs(loss([[1, 0], [0, 1]], [[1, 0], [0, 1]], 1) - expected) < 1e-5);
  assert.ok(Math.abs(referenceLoss([[1, 0], [0, 1]], [[1, 0], [0, 1]], 1) - expected) < 1e-12);
  // Scaling a row does not change a cosine-similarity loss.
  assert.ok(Math.abs(loss([[3, 0], [0, 1]], [[1, 0], [0, 7]], 1) - expected) < 1e-5);
});

test('matches a loop transcription of Algorithm 1 on random inputs', () => {
  const rng = new Rng(7);
  for (const [batch, dim, tau] of [[2, 3, 0.5], [4, 5, 0.1], [5, 8, 1.0], [3, 2, 0.2]]) {
    const rand = () => Array.from({ length: batch }, () => Array.from({ length: dim }, () => rng.normal()));
    const z1 = rand();
    const z2 = rand();
    const ref = referenceLoss(z1, z2, tau);
    const got = loss(z1, z2, tau);
    assert.ok(Math.abs(got - ref) < 1e-4 * Math.max(1, ref), `B=${batch} τ=${tau}: ${got} vs ${ref}`);
    // Symmetry: swapping the two views gives the same loss.
    assert.ok(Math.abs(loss(z2, z1, tau) - got) < 1e-5);
  }
});

test('has a finite, non-zero gradient, and descending it lowers the loss', () => {
  const rng = new Rng(8);
  const z1 = tf.variable(tf.tensor2d(Array.from({ length: 12 }, () => rng.normal()), [4, 3]));
  const z2 = tf.variable(tf.tensor2d(Array.from({ length: 12 }, () => rng.normal()), [4, 3]));
  const { value, grads } = tf.variableGrads(() => ntXentLoss(z1, z2, 0.5), [z1, z2]);
  const before = value.dataSync()[0];
  const g = grads[z1.name].dataSync();
  assert.ok(g.every(Number.isFinite));
  assert.ok(g.some((v) => Math.abs(v) > 1e-6));
  z1.assign(z1.sub(grads[z1.name].mul(0.1)));
  z2.assign(z2.sub(grads[z2.name].mul(0.1)));
  assert.ok(loss(z1.arraySync(), z2.arraySync(), 0.5) < before);
});
