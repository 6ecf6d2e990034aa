/** safetensors bytes and the PyTorch layout of the app's layers, against hand-written references. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseSafetensors, safetensorsBytes } from '../../../src/main/engine/cluster/safetensors';
import { loadTorchState, torchStateOf } from '../../../src/main/engine/cluster/torch-layout';

test('safetensors: an 8-byte header length, a JSON header padded to 8 bytes, then the float32 data', () => {
  const bytes = safetensorsBytes(new Map([['b', { shape: [2], data: new Float32Array([3, 4]) }], ['a', { shape: [1, 1], data: new Float32Array([1.5]) }]]), { format: 'x' });
  const length = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + length) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString());
  // Sorted by name, contiguous from offset 0.
  assert.deepEqual(header, { a: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] }, __metadata__: { format: 'x' } });
  assert.deepEqual([...new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + length, bytes.byteOffset + bytes.length))], [1.5, 3, 4]);
  const parsed = parseSafetensors(bytes, 'w.safetensors');
  assert.deepEqual(parsed.metadata, { format: 'x' });
  assert.deepEqual([...parsed.tensors.get('b')!.data], [3, 4]);
  assert.throws(() => parseSafetensors(Buffer.from('hello'), 'w.safetensors'), /w\.safetensors: not a safetensors weights file \(shorter than its header\)/);
  assert.throws(() => parseSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors'), /b's bytes do not match its shape/);
});

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [3, 3, 2] });
  let x = tf.layers.conv2d({ filters: 1, kernelSize: 2, useBias: false, name: 'c_conv' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'c_batch_normalization' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'd' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'tiny' });
}

test('a conv kernel [kh, kw, in, out] becomes [out, in, kh, kw], a dense kernel [in, out] becomes [out, in], batch norm keeps its order', async () => {
  const model = tinyModel();
  // kernel[kh][kw][in][out] = 1000·kh + 100·kw + 10·in: the PyTorch element [0][in][kh][kw] must hold the same.
  const kernel = tf.tensor4d(Array.from({ length: 8 }, (_, i) => 1000 * (i >> 2) + 100 * ((i >> 1) & 1) + 10 * (i & 1)), [2, 2, 2, 1]);
  model.getLayer('c_conv').setWeights([kernel]);
  model.getLayer('c_batch_normalization').setWeights([tf.tensor1d([2]), tf.tensor1d([3]), tf.tensor1d([4]), tf.tensor1d([5])]);
  model.getLayer('d').setWeights([tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]), tf.tensor1d([7, 8, 9])]);
  const state = await torchStateOf(model, 'encoder.');

  assert.deepEqual([...state.keys()].sort(), ['encoder.c_batch_normalization.bias', 'encoder.c_batch_normalization.running_mean', 'encoder.c_batch_normalization.running_var', 'encoder.c_batch_normalization.weight', 'encoder.c_conv.weight', 'encoder.d.bias', 'encoder.d.weight']);
  const conv = state.get('encoder.c_conv.weight')!;
  assert.deepEqual(conv.shape, [1, 2, 2, 2]);
  // PyTorch order [out=0][in][kh][kw]
  assert.deepEqual([...conv.data], [0, 100, 1000, 1100, 10, 110, 1010, 1110]);
  assert.deepEqual(state.get('encoder.d.weight')!.shape, [3, 4]);
  assert.deepEqual([...state.get('encoder.d.weight')!.data], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
  assert.deepEqual(['weight', 'bias', 'running_mean', 'running_var'].map((n) => state.get(`encoder.c_batch_normalization.${n}`)!.data[0]), [2, 3, 4, 5]);

  const copy = tinyModel();
  loadTorchState(copy, 'encoder.', state, 'w.safetensors');
  for (const name of ['c_conv', 'c_batch_normalization', 'd']) {
    copy.getLayer(name).getWeights().forEach((w, i) => assert.deepEqual(w.arraySync(), model.getLayer(name).getWeights()[i]!.arraySync()));
  }
  const wrong = new Map(state);
  wrong.set('encoder.d.weight', { shape: [4, 3], data: new Float32Array(12) });
  assert.throws(() => loadTorchState(copy, 'encoder.', wrong, 'w.safetensors'), /w\.safetensors: encoder\.d\.weight is \[4, 3\], the app's layer needs \[3, 4\]/);
  wrong.set('encoder.d.weight', state.get('encoder.d.weight')!);
  wrong.delete('encoder.d.bias');
  assert.throws(() => loadTorchState(copy, 'encoder.', wrong, 'w.safetensors'), /has no encoder\.d\.bias/);
});
