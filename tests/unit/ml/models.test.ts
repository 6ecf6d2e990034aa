import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backend';
import { buildEncoder, representationDim } from '../../../src/main/engine/ml/encoder';
import { buildProjectionHead } from '../../../src/main/engine/ml/head';

await initBackend('wasm');

const trainableCount = (m: tf.LayersModel) => m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

test('resnet-mini has exactly 2,795,040 trainable parameters and a 256-d output', () => {
  const enc = buildEncoder('resnet-mini', 32);
  assert.equal(trainableCount(enc), 2_795_040);
  assert.equal(representationDim('resnet-mini'), 256);
  assert.deepEqual(enc.outputs[0].shape, [null, 256]);
  // No conv has a bias: each is followed by batch norm.
  assert.ok(enc.trainableWeights.every((w) => !/conv\/bias/.test(w.originalName)));
  enc.dispose();
});

test('resnet-tiny maps [B,S,S,3] to [B,64] and downsamples by 8', () => {
  const enc = buildEncoder('resnet-tiny', 16);
  const h = tf.tidy(() => enc.predict(tf.ones([2, 16, 16, 3])) as tf.Tensor);
  assert.deepEqual(h.shape, [2, representationDim('resnet-tiny')]);
  assert.deepEqual(enc.getLayer('stage4_block1_out').outputShape, [null, 2, 2, 64]);
  h.dispose();
  enc.dispose();
});

test('projection head maps d → d → 128 with batch norm in between', () => {
  const head = buildProjectionHead(64);
  const z = tf.tidy(() => head.predict(tf.randomNormal([5, 64])) as tf.Tensor);
  assert.deepEqual(z.shape, [5, 128]);
  assert.deepEqual(head.getLayer('head_dense1').outputShape, [null, 64]);
  assert.ok(head.layers.some((l) => l.getClassName() === 'BatchNormalization'));
  // 64·64 (no bias) + 2·64 (BN γ, β) + 64·128 + 128
  assert.equal(trainableCount(head), 64 * 64 + 128 + 64 * 128 + 128);
  assert.deepEqual(buildProjectionHead(32, 16).outputs[0].shape, [null, 16]);
  z.dispose();
});
