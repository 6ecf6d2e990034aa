import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildEncoder } from '../../../src/main/engine/ml/model/encoder';
import { frugalVariableGrads } from '../../../src/main/engine/ml/training/frugal-backprop';
import { applyTraining } from '../../../src/main/engine/ml/training/frugal-forward';
import { Rng } from '../../../src/main/engine/ml/rng';

await initBackend('wasm');

function onBackend<T>(backend: 'cpu' | 'wasm', f: () => T): T {
  tf.setBackend(backend);
  try {
    return f();
  } finally {
    tf.setBackend('wasm');
  }
}

function randomValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tol = 2e-4): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (Math.abs(actual[i] - expected[i]) > tol * scale) assert.fail(`${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

/**
 * A 12-layer MLP with a skip connection and a weight used twice; `probe` wraps the first activation in an
 * op whose gradient, which backprop reaches last, records how many bytes are alive at that moment.
 */
function deepLoss(weights: tf.Variable[], x: tf.Tensor2D, probe: (t: tf.Tensor) => tf.Tensor): tf.Scalar {
  let h = probe(tf.relu(tf.matMul(x, weights[0])));
  const skip = h;
  for (const w of weights.slice(1)) h = tf.relu(tf.matMul(h, w));
  h = tf.add(h, skip);
  return tf.sum(tf.square(tf.matMul(h, weights[1])));
}

function bytesAliveAtLastGradient(): { probe: (t: tf.Tensor) => tf.Tensor; bytes: () => number } {
  let bytes = 0;
  const probe = tf.customGrad(((t: tf.Tensor) => ({
    value: t.clone(),
    gradFunc: (dy: tf.Tensor) => {
      bytes = tf.memory().numBytes;
      return dy.clone();
    },
  })) as never) as unknown as (t: tf.Tensor) => tf.Tensor;
  return { probe, bytes: () => bytes };
}

test('frugalVariableGrads equals tf.variableGrads, leaks nothing, and holds far less by the end of backprop', () => {
  onBackend('cpu', () => {
    const width = 64;
    const weights = Array.from({ length: 12 }, (_, i) => tf.variable(tf.tensor2d(randomValues(width * width, i + 1), [width, width]).mul(0.15), true, `w${i}`));
    const x = tf.tensor2d(randomValues(256 * width, 99), [256, width]);
    const reference = bytesAliveAtLastGradient();
    const expected = tf.variableGrads(() => deepLoss(weights, x, reference.probe), weights);
    const tensorsBefore = tf.memory().numTensors;
    const frugal = bytesAliveAtLastGradient();
    const actual = frugalVariableGrads(() => deepLoss(weights, x, frugal.probe), weights);
    assert.equal(tf.memory().numTensors, tensorsBefore + 1 + weights.length, 'only the value and one gradient per weight remain');
    assertClose(actual.value.dataSync() as Float32Array, expected.value.dataSync() as Float32Array, 'value', 1e-5);
    for (const w of weights) assertClose(actual.grads[w.name].dataSync() as Float32Array, expected.grads[w.name].dataSync() as Float32Array, w.name, 1e-4);
    // Eleven layers of [256, 64] activations and their gradients are gone by the time backprop reaches the first.
    const activationBytes = 256 * width * 4;
    assert.ok(reference.bytes() - frugal.bytes() > 20 * activationBytes, `tfjs ${reference.bytes()} B, frugal ${frugal.bytes()} B`);
    tf.dispose([x, actual.value, expected.value, ...Object.values(actual.grads), ...Object.values(expected.grads), ...weights]);
  });
});

test('frugalVariableGrads refuses a non-scalar value and leaks nothing when f throws', () => {
  const v = tf.variable(tf.ones([3]), true, 'v_nonscalar');
  const tensorsBefore = tf.memory().numTensors;
  assert.throws(() => frugalVariableGrads(() => tf.mul(v, 2) as unknown as tf.Scalar, [v]), /scalar/);
  assert.throws(() => frugalVariableGrads(() => {
    tf.relu(v);
    throw new Error('boom');
  }, [v]), /boom/);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  v.dispose();
});

/** A layer that passes its input on and records how many bytes are alive when it runs. */
class BytesProbe extends tf.layers.Layer {
  static className = 'BytesProbe';
  bytes = 0;
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    this.bytes = tf.memory().numBytes;
    return (Array.isArray(inputs) ? inputs[0] : inputs).clone();
  }
}

test('applyTraining gives model.apply’s training output while freeing each activation after its last use', () => {
  onBackend('cpu', () => {
    const x = tf.tensor4d(randomValues(8 * 16 * 16 * 3, 5).map((v) => Math.abs(v) % 1), [8, 16, 16, 3]);
    const encoder = buildEncoder('resnet-tiny', 16, 3);
    const expected = tf.tidy(() => (encoder.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    const actual = tf.tidy(() => applyTraining(encoder, x).dataSync() as Float32Array);
    assertClose(actual, expected, 'h', 1e-5);

    // Ten dense layers of [512, 64]: when the last runs, tfjs-layers holds all ten outputs, applyTraining one or two.
    const input = tf.input({ shape: [64] });
    let y = input;
    for (let i = 0; i < 10; i++) y = tf.layers.dense({ units: 64, activation: 'relu' }).apply(y) as tf.SymbolicTensor;
    const probe = new BytesProbe({});
    const model = tf.model({ inputs: input, outputs: probe.apply(y) as tf.SymbolicTensor });
    const batch = tf.tensor2d(randomValues(512 * 64, 8), [512, 64]);
    const before = tf.memory().numBytes;
    tf.tidy(() => model.apply(batch, { training: true }) as tf.Tensor);
    const viaLayers = probe.bytes - before;
    tf.tidy(() => applyTraining(model, batch));
    const frugal = probe.bytes - before;
    const activation = 512 * 64 * 4;
    assert.ok(viaLayers >= 10 * activation, `tfjs-layers held ${viaLayers} B`);
    assert.ok(frugal <= 2 * activation, `applyTraining held ${frugal} B`);
    tf.dispose([x, batch]);
    encoder.dispose();
    model.dispose();
  });
});

test('on wasm, a clone shares its data and outlives the original', () => {
  const x = tf.tensor1d([1, 2, 3]);
  const buffersBefore = tf.memory().numDataBuffers;
  const copy = x.clone();
  assert.equal(tf.memory().numDataBuffers, buffersBefore);
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3]);
  copy.dispose();
});

test('a ResNet’s gradients on wasm (lean memory, frugal passes) equal tfjs’s own on cpu', () => {
  const x = randomValues(6 * 16 * 16 * 3, 11).map((v) => Math.abs(v) % 1);
  const gradientsOn = (backend: 'cpu' | 'wasm') =>
    onBackend(backend, () => {
      const model = buildEncoder('resnet-tiny', 16, 7);
      const input = tf.tensor4d(x, [6, 16, 16, 3]);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const loss = () => tf.sum(tf.square((backend === 'wasm' ? applyTraining(model, input) : (model.apply(input, { training: true }) as tf.Tensor)))) as tf.Scalar;
      const { value, grads } = backend === 'wasm' ? frugalVariableGrads(loss, variables) : tf.variableGrads(loss, variables);
      const out = { value: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync() as Float32Array), names: variables.map((v) => v.name) };
      tf.dispose([input, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    });
  const cpu = gradientsOn('cpu');
  const wasm = gradientsOn('wasm');
  assert.ok(Math.abs(wasm.value - cpu.value) < 1e-3 * Math.abs(cpu.value));
  wasm.grads.forEach((g, i) => assertClose(g, cpu.grads[i], cpu.names[i], 2e-3));
});

test('on wasm, ReLU’s gradient (taken from its output) and the residual Add’s (which saves nothing) are hand-checkable', async () => {
  const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
  const w = tf.tensor1d([1, 2, 3, 4, 5]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)))(x);
  assert.deepEqual(Array.from(await dx.data()), [0, 0, 0, 4, 5]);
  const add = tf.layers.add();
  const [da, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(add.apply([a, b]) as tf.Tensor, w)))([x, tf.onesLike(x)]);
  assert.deepEqual(Array.from(await da.data()), [1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(await db.data()), [1, 2, 3, 4, 5]);
  tf.dispose([x, w, dx, da, db]);
});
