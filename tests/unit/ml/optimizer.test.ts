import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { isExcludedFromLars } from '../../../src/main/engine/ml/model/lars-rules';
import { FusedAdamOptimizer } from '../../../src/main/engine/ml/model/fused-adam';
import { FusedLarsOptimizer } from '../../../src/main/engine/ml/model/fused-lars';
import { LarsOptimizer, createOptimizer, fusedUpdatesPay, setLearningRate } from '../../../src/main/engine/ml/model/optimizer';

await initBackend('wasm');

const closeAll = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < tol, `[${i}] ${a[i]} != ${v}`));

test('LARS two steps on a kernel match a hand computation', () => {
  const w = tf.variable(tf.tensor1d([3, 4]), true, 'lars_test/kernel');
  const opt = new LarsOptimizer(0.5, { momentum: 0.9, weightDecay: 0.01, eta: 0.1 });
  const grad = tf.tensor1d([0.6, -0.8]);
  opt.applyGradients({ [w.name]: grad });
  // g' = g + 0.01·w = [0.63, −0.76]; ‖w‖ = 5; ‖g'‖ = √(0.63² + 0.76²); lr' = 0.5·0.1·5/‖g'‖; v = lr'·g'; w −= v.
  const g1 = [0.63, -0.76];
  const lr1 = (0.5 * 0.1 * 5) / Math.hypot(...g1);
  const v1 = g1.map((g) => lr1 * g);
  const w1 = [3 - v1[0], 4 - v1[1]];
  closeAll(w.dataSync(), w1);
  // Second step exercises momentum: v = 0.9·v1 + lr'·g'.
  setLearningRate(opt, 0.25);
  opt.applyGradients({ [w.name]: grad });
  const g2 = [0.6 + 0.01 * w1[0], -0.8 + 0.01 * w1[1]];
  const lr2 = (0.25 * 0.1 * Math.hypot(...w1)) / Math.hypot(...g2);
  const v2 = v1.map((v, i) => 0.9 * v + lr2 * g2[i]);
  closeAll(w.dataSync(), [w1[0] - v2[0], w1[1] - v2[1]]);
  opt.dispose();
  w.dispose();
});

test('LARS leaves batch-norm parameters and biases to plain momentum SGD', () => {
  assert.ok(isExcludedFromLars('stem_batch_normalization/gamma'));
  assert.ok(isExcludedFromLars('head_dense2/bias'));
  assert.ok(!isExcludedFromLars('stem_conv/kernel'));
  const b = tf.variable(tf.tensor1d([1, 2]), true, 'lars_test/bias');
  const opt = new LarsOptimizer(0.1, { weightDecay: 0.5 });
  opt.applyGradients({ [b.name]: tf.tensor1d([1, -1]) });
  closeAll(b.dataSync(), [0.9, 2.1]); // no decay, no trust ratio: w − lr·g
  opt.dispose();
  b.dispose();
});

test("one LARS step on a real layer's variables: the kernel is adapted and decayed, batch-norm γ/β are not", () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 2, useBias: false, kernelInitializer: 'ones', name: 'lars_probe_dense' }),
      tf.layers.batchNormalization({ name: 'lars_probe_batch_normalization' }),
    ],
  });
  const named = model.trainableWeights.map((w) => w.read() as tf.Variable);
  assert.deepEqual(named.map((v) => isExcludedFromLars(v.name)), [false, true, true], named.map((v) => v.name).join());
  const grads = [[0.3, -0.4, 0, 0], [0.5, -0.5], [0.2, 0.1]];
  const opt = new LarsOptimizer(2, { momentum: 0.9, weightDecay: 0.1, eta: 0.01 });
  opt.applyGradients(named.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i], v.shape) })));
  // Kernel (all ones, ‖w‖ = 2): g' = g + 0.1·w; lr' = 2 · 0.01 · 2 / ‖g'‖; w −= lr'·g'.
  const gk = grads[0].map((g) => g + 0.1);
  const lrk = (2 * 0.01 * 2) / Math.hypot(...gk);
  closeAll(named[0].dataSync(), gk.map((g) => 1 - lrk * g));
  // γ (ones) and β (zeros): plain momentum SGD at lr 2, no decay.
  closeAll(named[1].dataSync(), grads[1].map((g) => 1 - 2 * g));
  closeAll(named[2].dataSync(), grads[2].map((g) => -2 * g));
  opt.dispose();
  model.dispose();
});

test('createOptimizer makes Adam or LARS with a settable learning rate', () => {
  const adam = createOptimizer('adam', 0.1);
  const x = tf.variable(tf.scalar(1), true, 'adam_test/kernel');
  setLearningRate(adam, 0.01);
  adam.applyGradients({ [x.name]: tf.scalar(5) });
  // Adam's first step moves by ≈ lr whatever the gradient's size.
  assert.ok(Math.abs(x.dataSync()[0] - 0.99) < 1e-4);
  // By class name: tf.Optimizer's Symbol.hasInstance makes `instanceof` true for any optimizer.
  assert.equal(createOptimizer('lars', 0.1, false).getClassName(), LarsOptimizer.className);
});

test('the fused optimizers are chosen where kernels are dispatches (WebGPU), and can be asked for anywhere', () => {
  assert.equal(tf.getBackend() === 'webgpu', fusedUpdatesPay());
  assert.equal(createOptimizer('adam', 0.1, true).getClassName(), FusedAdamOptimizer.className);
  assert.equal(createOptimizer('lars', 0.1, true).getClassName(), FusedLarsOptimizer.className);
  assert.equal(createOptimizer('adam', 0.1, false).getClassName(), 'Adam');
});
