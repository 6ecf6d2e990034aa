import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { Rng } from '../../../src/main/engine/ml/rng';

// The wasm batch-norm kernel (routed through tfjs-layers' BatchNormalization) against the layer's own code
// on the cpu backend: outputs, the gradients of x, γ and β, and the moving averages.
await initBackend('wasm');

function random(shape: number[], rng: Rng, offset = 0): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => offset + 2 * rng.normal()), shape);
}

interface Result {
  y: Float32Array;
  grads: Float32Array[];
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

function runLayer(backend: 'cpu' | 'wasm', shape: number[], seed: number): Result {
  tf.setBackend(backend);
  try {
    const rng = new Rng(seed);
    const C = shape[shape.length - 1];
    const layer = tf.layers.batchNormalization({ momentum: 0.9, gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' });
    layer.build([null, ...shape.slice(1)]);
    layer.setWeights([random([C], rng, 1), random([C], rng), tf.zeros([C]), tf.ones([C])]);
    const x = random(shape, rng, 3);
    const weight = random(shape, rng); // a non-uniform upstream gradient
    const f = (input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
      void gamma;
      void beta;
      return (layer.apply(input, { training: true }) as tf.Tensor).mul(weight).sum();
    };
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read());
    const { grads } = tf.variableGrads(() => f(x, gamma, beta) as tf.Scalar, [gamma as tf.Variable, beta as tf.Variable]);
    const dx = tf.grad((input: tf.Tensor) => f(input, gamma, beta))(x);
    const y = (layer.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array;
    const [, , movingMean, movingVariance] = layer.getWeights().map((w) => w.dataSync() as Float32Array);
    return { y, grads: [dx, ...Object.values(grads)].map((g) => g.dataSync() as Float32Array), movingMean, movingVariance };
  } finally {
    tf.setBackend('wasm');
  }
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tol = 2e-4): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) assert.fail(`${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

test('training-mode batch norm on wasm matches the layer on cpu: output, gradients, moving statistics', () => {
  for (const [shape, seed] of [[[4, 5, 3, 6], 1], [[7, 10], 2], [[2, 1, 1, 3], 3]] as const) {
    const wasm = runLayer('wasm', [...shape], seed);
    const cpu = runLayer('cpu', [...shape], seed);
    assertClose(wasm.y, cpu.y, `y ${shape}`);
    ['dx', 'dgamma', 'dbeta'].forEach((name, i) => assertClose(wasm.grads[i], cpu.grads[i], `${name} ${shape}`, 1e-3));
    // The layer is applied three times (variableGrads, grad, plain apply), each updating the averages.
    assertClose(wasm.movingMean, cpu.movingMean, `moving mean ${shape}`);
    assertClose(wasm.movingVariance, cpu.movingVariance, `moving variance ${shape}`);
  }
});

test('the wasm path is the one taken: the kernel appears in a profile, and tfjs-core moments do not', async () => {
  const layer = tf.layers.batchNormalization({});
  const x = tf.randomNormal([8, 4, 4, 5]);
  const profile = await tf.profile(() => tf.grad((input: tf.Tensor) => (layer.apply(input, { training: true }) as tf.Tensor).square().sum())(x));
  const names = profile.kernels.map((k) => k.name);
  assert.ok(names.includes('SimclrBatchNormTraining'), names.join(','));
  assert.ok(names.includes('SimclrBatchNormTrainingGrad'), names.join(','));
  assert.ok(!names.includes('Tile'), names.join(','));
  tf.dispose([x, profile.result as tf.Tensor]);
});

test('inference mode still uses the moving statistics', () => {
  const layer = tf.layers.batchNormalization({});
  layer.build([null, 2]);
  layer.setWeights([tf.ones([2]), tf.zeros([2]), tf.tensor1d([1, -1]), tf.tensor1d([4, 4])]);
  const y = (layer.apply(tf.tensor2d([[3, 1]]), { training: false }) as tf.Tensor).dataSync();
  assertClose(Float32Array.from(y), Float32Array.from([2 / Math.sqrt(4.001), 2 / Math.sqrt(4.001)]), 'inference');
});
