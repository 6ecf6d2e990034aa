import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildEncoder, representationDim, usesImagenetStem } from '../../../src/main/engine/ml/model/encoder';
import { buildProjectionHead } from '../../../src/main/engine/ml/model/head';

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

/** conv k×k (cin → cout, no bias: batch norm follows) plus that batch norm's γ and β. */
const convBn = (k: number, cin: number, cout: number) => k * k * cin * cout + 2 * cout;

/**
 * Trainable parameters of a ResNet without its fc layer, transcribed from He et al.'s Table 1: a stem conv,
 * then stages whose first block changes width/stride through a 1×1 projection shortcut.
 */
function resnetParams(block: 'basic' | 'bottleneck', blocks: number[], stemKernel: number): number {
  const widths = [64, 128, 256, 512];
  let total = convBn(stemKernel, 3, 64);
  let cin = 64;
  widths.forEach((w, stage) => {
    for (let b = 0; b < blocks[stage]; b++) {
      const cout = block === 'basic' ? w : 4 * w;
      total += block === 'basic' ? convBn(3, cin, w) + convBn(3, w, w) : convBn(1, cin, w) + convBn(3, w, w) + convBn(1, w, 4 * w);
      if (cin !== cout || (b === 0 && stage > 0)) total += convBn(1, cin, cout);
      cin = cout;
    }
  });
  return total;
}

test('resnet18 matches torchvision ResNet-18 without fc: 11,176,512 parameters, ImageNet stem above 64 px', () => {
  // Hand check of the formula on ResNet-18: stem 9,408 + 128; stages 147,968 + 525,568 + 2,099,712 + 8,393,728.
  assert.equal(9408 + 128 + 147_968 + 525_568 + 2_099_712 + 8_393_728, 11_176_512);
  assert.equal(resnetParams('basic', [2, 2, 2, 2], 7), 11_176_512);
  const big = buildEncoder('resnet18', 96);
  assert.equal(trainableCount(big), 11_176_512);
  assert.equal(representationDim('resnet18'), 512);
  // 96 → 48 (7×7 stride 2) → 24 (max-pool) → 24, 12, 6, 3.
  assert.deepEqual(big.getLayer('stem_pool').outputShape, [null, 24, 24, 64]);
  assert.deepEqual(big.getLayer('stage4_block2_out').outputShape, [null, 3, 3, 512]);
  big.dispose();
  // At ≤ 64 px the CIFAR stem: one 3×3 stride-1 conv, no pool (the paper's CIFAR-10 variant).
  assert.ok(!usesImagenetStem('resnet18', 64) && usesImagenetStem('resnet18', 65));
  const small = buildEncoder('resnet18', 32);
  assert.equal(trainableCount(small), resnetParams('basic', [2, 2, 2, 2], 3));
  assert.ok(!small.layers.some((l) => l.name === 'stem_pool'));
  assert.deepEqual(small.getLayer('stage1_block1_out').outputShape, [null, 32, 32, 64]);
  small.dispose();
});

test("resnet50 is the paper's: bottlenecks [3,4,6,3], 2048-d h, 23,508,032 parameters without fc", () => {
  assert.equal(resnetParams('bottleneck', [3, 4, 6, 3], 7), 23_508_032);
  // Built symbolically at 224 px: no activations are allocated, only the weights.
  const enc = buildEncoder('resnet50', 224, 1);
  assert.equal(trainableCount(enc), 23_508_032);
  assert.equal(representationDim('resnet50'), 2048);
  assert.deepEqual(enc.outputs[0].shape, [null, 2048]);
  assert.deepEqual(enc.getLayer('stem_pool').outputShape, [null, 56, 56, 64]);
  assert.deepEqual(enc.getLayer('stage4_block3_out').outputShape, [null, 7, 7, 2048]);
  assert.equal(enc.layers.filter((l) => /^stage\d_block\d_add$/.test(l.name)).length, 16);
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
