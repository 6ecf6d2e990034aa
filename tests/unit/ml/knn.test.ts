import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { knnAccuracy, knnPredict } from '../../../src/main/engine/ml/few-label/knn';

await initBackend('wasm');

// Bank in 2-D, by angle: class 0 at 0° and 2.9°, class 1 at 84.3°, 90° and 11.3°.
const bank = { features: Float32Array.from([1, 0, 2, 0.1, 0.1, 1, 0, 3, 1, 0.2]), labels: [0, 0, 1, 1, 1] };

test('k nearest by cosine similarity, whatever the vectors’ lengths', async () => {
  const before = tf.memory().numTensors;
  // (5, 0.5) at 5.7°: nearest are 2.9° (0), 0° (0), 11.3° (1) → 0. (0.2, 2) at 84.3°: 84.3°, 90°, 11.3° → 1.
  assert.deepEqual(Array.from(await knnPredict(bank, Float32Array.from([5, 0.5, 0.2, 2]), 2, { k: 3 })), [0, 1]);
  // k = 1: (1, 0.21) at 11.9° is nearest to 11.3°.
  assert.deepEqual(Array.from(await knnPredict(bank, Float32Array.from([1, 0.21]), 2, { k: 1 })), [1]);
  assert.equal(tf.memory().numTensors, before);
});

test('votes weigh exp(sim/τ): one very close neighbour outvotes two farther ones at τ = 0.1, not at τ = 1', async () => {
  // Query at 0°: class 0 at 0° (sim 1), class 1 at ±40° (sim 0.766 each).
  // τ = 0.1: e^10 ≈ 22026 > 2·e^7.66 ≈ 4244. τ = 1: e^1 ≈ 2.72 < 2·e^0.766 ≈ 4.30.
  const c = Math.cos((40 * Math.PI) / 180);
  const s = Math.sin((40 * Math.PI) / 180);
  const three = { features: Float32Array.from([1, 0, c, s, c, -s]), labels: [0, 1, 1] };
  const query = Float32Array.from([3, 0]);
  assert.equal((await knnPredict(three, query, 2, { k: 3, temperature: 0.1 }))[0], 0);
  assert.equal((await knnPredict(three, query, 2, { k: 3, temperature: 1 }))[0], 1);
  assert.equal((await knnPredict(three, query, 2, { k: 3 }))[0], 0); // τ defaults to 0.1
});

test('leave-one-out never lets a point vote for itself', async () => {
  // Each point's nearest other: 0° → 2.9° (0), 2.9° → 0° (0), 84.3° → 90° (1), 90° → 84.3° (1), 11.3° → 2.9° (0).
  assert.deepEqual(Array.from(await knnPredict(bank, bank.features, 2, { k: 1, excludeSelf: true })), [0, 0, 1, 1, 0]);
  assert.equal(await knnAccuracy(bank, bank, 2, { k: 1, excludeSelf: true }), 4 / 5);
  assert.equal(await knnAccuracy(bank, bank, 2, { k: 1 }), 1);
});

test('queries beyond one similarity block are all classified', async () => {
  // 600 points alternating between two well-separated directions, labelled by direction.
  const n = 600;
  const features = Float32Array.from({ length: 2 * n }, (_, i) => (Math.floor(i / 2) % 2 === i % 2 ? 1 : 0.01));
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  assert.equal(await knnAccuracy({ features, labels }, { features, labels }, 2, { k: 10, excludeSelf: true }), 1);
  const flipped = labels.map((l) => 1 - l);
  assert.equal(await knnAccuracy({ features, labels }, { features, labels: flipped }, 2, { k: 10 }), 0);
});
