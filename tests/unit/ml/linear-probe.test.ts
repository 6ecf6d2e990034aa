import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { trainLinearProbe } from '../../../src/main/engine/ml/few-label/linear-probe';
import { Rng } from '../../../src/main/engine/ml/rng';

await initBackend('wasm');

/**
 * Three classes in 4-D, separated along feature 0 (centres −1, 0, 1, noise ±0.3) with feature 1 on a
 * scale 1000× larger and pure noise: only a probe that standardises and learns the right direction wins.
 */
function toyProblem(count: number, seed: number): { features: Float32Array; labels: number[] } {
  const rng = new Rng(seed);
  const labels = Array.from({ length: count }, (_, i) => i % 3);
  const features = new Float32Array(count * 4);
  labels.forEach((label, i) => features.set([label - 1 + rng.uniform(-0.3, 0.3), 1000 * rng.normal(), rng.normal(), 5], i * 4));
  return { features, labels };
}

test('a linear probe separates linearly separable classes (~100 % on held-out points)', async () => {
  const train = toyProblem(300, 1);
  const test = toyProblem(300, 2);
  const probe = trainLinearProbe(train.features, 4, train.labels, { numClasses: 3 });
  const predicted = await probe.predict(test.features);
  const accuracy = test.labels.filter((label, i) => predicted[i] === label).length / test.labels.length;
  assert.ok(accuracy >= 0.99, `accuracy ${accuracy}`);

  const probabilities = await probe.probabilities(test.features);
  assert.equal(probabilities.length, 300 * 3);
  for (let i = 0; i < 300; i++) assert.ok(Math.abs(probabilities[3 * i] + probabilities[3 * i + 1] + probabilities[3 * i + 2] - 1) < 1e-5);
  probe.dispose();
});

test('the probe folded into one dense layer gives its probabilities from the raw features', async () => {
  const { features, labels } = toyProblem(60, 3);
  const probe = trainLinearProbe(features, 4, labels, { numClasses: 3, steps: 50 });
  const { kernel, bias } = await probe.denseWeights();
  assert.deepEqual([kernel.length, bias.length], [12, 3]);
  const expected = await probe.probabilities(features);
  // softmax(x·K + b), written out for each row.
  for (let row = 0; row < 60; row++) {
    const logits = [0, 1, 2].map((c) => bias[c] + [0, 1, 2, 3].reduce((sum, d) => sum + features[row * 4 + d] * kernel[d * 3 + c], 0));
    const top = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - top));
    const total = exp.reduce((a, b) => a + b, 0);
    exp.forEach((e, c) => assert.ok(Math.abs(e / total - expected[row * 3 + c]) < 1e-4, `row ${row} class ${c}`));
  }
  probe.dispose();
});
