import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { Rng } from '../../../src/main/engine/ml/rng';

// Each case runs the same kernel on the cpu backend (the reference) and on wasm, and compares values.
await initBackend('wasm');

function randomTensor(shape: number[], rng: Rng): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Float32Array {
  tf.setBackend(backend);
  try {
    return tf.tidy(f).dataSync() as Float32Array;
  } finally {
    tf.setBackend('wasm');
  }
}

function assertClose(actual: Float32Array, expected: Float32Array, tol = 1e-4): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (Math.abs(actual[i] - expected[i]) > tol * scale) assert.fail(`index ${i}: ${actual[i]} != ${expected[i]}`);
  }
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
const convCases: { x: [number, number, number, number]; k: number; cout: number; stride: number | [number, number]; pad: Pad }[] = [
  { x: [2, 5, 5, 3], k: 3, cout: 4, stride: 1, pad: 'same' },
  { x: [2, 6, 6, 3], k: 3, cout: 4, stride: 2, pad: 'same' },
  { x: [1, 7, 6, 2], k: 3, cout: 5, stride: 2, pad: 'valid' },
  { x: [2, 8, 8, 4], k: 1, cout: 6, stride: 2, pad: 'same' },
  { x: [1, 6, 7, 3], k: 2, cout: 3, stride: [1, 2], pad: 1 },
  { x: [2, 5, 6, 2], k: 3, cout: 2, stride: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [1, 9, 9, 16], k: 5, cout: 8, stride: 3, pad: 'same' },
  // Stride 1 with an output the input's size takes the shifted-planes gather, also with uneven padding.
  { x: [2, 7, 6, 3], k: 5, cout: 4, stride: 1, pad: 'same' },
  { x: [2, 5, 6, 3], k: 2, cout: 3, stride: 1, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  // Over 4M column floats per image pair: the filter gradient is summed over chunks of one image.
  { x: [2, 64, 64, 128], k: 3, cout: 8, stride: 1, pad: 'same' },
];

test('Conv2DBackpropFilter matches the cpu backend for several strides and pads', () => {
  const rng = new Rng(1);
  for (const c of convCases) {
    const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.cout];
    const xv = randomTensor(c.x, rng);
    const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad).shape);
    const dyv = randomTensor(dyShape, rng);
    const f = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, c.x), dy: tf.tensor(dyv, dyShape) }, {
        strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape,
      } as never) as tf.Tensor;
    // Each weight's gradient sums one product per output position; float32 rounding grows like its square root.
    const positions = dyShape[0] * dyShape[1] * dyShape[2];
    assertClose(runOn('wasm', f), runOn('cpu', f), Math.max(1e-4, 1e-5 * Math.sqrt(positions)));
  }
});

test('the fast Conv2DBackpropInput matches the cpu backend for several strides and pads', () => {
  const rng = new Rng(5);
  for (const c of convCases) {
    const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.cout];
    const wv = randomTensor(filterShape, rng);
    const dyShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad).shape);
    const dyv = randomTensor(dyShape, rng);
    const f = () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, dyShape), filter: tf.tensor(wv, filterShape) }, {
        strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x,
      } as never) as tf.Tensor;
    assertClose(runOn('wasm', f), runOn('cpu', f));
  }
});

test('conv2d input and filter gradients through tf.grads agree with cpu (the path training uses)', () => {
  const rng = new Rng(2);
  const xv = randomTensor([3, 8, 8, 4], rng);
  const wv = randomTensor([3, 3, 4, 5], rng);
  const loss = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').square().sum();
  for (const which of [0, 1]) {
    const f = () => tf.grads(loss)([tf.tensor4d(xv, [3, 8, 8, 4]), tf.tensor4d(wv, [3, 3, 4, 5])])[which];
    assertClose(runOn('wasm', f), runOn('cpu', f), 1e-3);
  }
});

test('depthwise conv gradients (input and filter) match the cpu backend', () => {
  const rng = new Rng(3);
  for (const [stride, pad, mult] of [[1, 'same', 1], [2, 'same', 2], [2, 'valid', 1], [1, 'valid', 3]] as const) {
    const xv = randomTensor([2, 7, 6, 3], rng);
    const wv = randomTensor([3, 3, 3, mult], rng);
    const loss = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad).square().sum();
    for (const which of [0, 1]) {
      const f = () => tf.grads(loss)([tf.tensor4d(xv, [2, 7, 6, 3]), tf.tensor4d(wv, [3, 3, 3, mult])])[which];
      assertClose(runOn('wasm', f), runOn('cpu', f), 1e-3);
    }
  }
});

test('UnsortedSegmentSum matches the cpu backend, including dropped out-of-range ids', () => {
  const rng = new Rng(4);
  const xv = randomTensor([6, 3], rng);
  const f = () => tf.unsortedSegmentSum(tf.tensor2d(xv, [6, 3]), tf.tensor1d([0, 2, 0, 3, 7, 2], 'int32'), 4);
  const wasm = runOn('wasm', f);
  assertClose(wasm, runOn('cpu', f));
  // Hand check: segment 0 = rows 0 + 2.
  assert.ok(Math.abs(wasm[0] - (xv[0] + xv[6])) < 1e-6);
  // gather's gradient is built on UnsortedSegmentSum.
  const g = () => tf.grad((p: tf.Tensor) => tf.gather(p, tf.tensor1d([1, 1, 0], 'int32')).sum())(tf.tensor1d([5, 6, 7]));
  assert.deepEqual(Array.from(runOn('wasm', g)), [1, 2, 0]);
});

test('the adaptations are installed once, at backend start, and installing again changes nothing', async () => {
  const { installWasmAdaptations } = await import('../../../src/main/engine/ml/backends/tfjs-wasm/install.ts');
  assert.deepEqual(installWasmAdaptations(), []);
  for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'UnsortedSegmentSum']) {
    assert.ok(tf.getKernel(name, 'wasm'), name);
  }
});

test("ReLU's gradient is taken from its output on wasm and is tfjs's own on cpu", () => {
  const x = [-2, -0.5, 0, 0.5, 3];
  const gradient = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor1d([1, 2, 3, 4, 5]))))(tf.tensor1d(x));
  // Hand-computed: dy where x > 0 (tfjs's step(0) is 0, so x = 0 passes nothing).
  assert.deepEqual(Array.from(runOn('wasm', gradient)), [0, 0, 0, 4, 5]);
  assert.deepEqual(Array.from(runOn('cpu', gradient)), [0, 0, 0, 4, 5]);
  // What each backend keeps for the backward pass: relu's output on wasm, tfjs's choice (its input) on cpu.
  const relu = tf.getGradient('Relu');
  tf.setBackend('cpu');
  assert.deepEqual([relu.inputsToSave, relu.outputsToSave], [['x'], undefined]);
  tf.setBackend('wasm');
  assert.deepEqual([relu.inputsToSave, relu.outputsToSave], [[], [true]]);
});
