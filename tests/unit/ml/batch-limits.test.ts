import assert from 'node:assert/strict';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { largestActivationBytesPerView, largestMicroBatch, trainingBytesPerImage } from '../../../src/main/engine/ml/training/batch-limits';
import { buildEncoder } from '../../../src/main/engine/ml/model/encoder';

await initBackend('wasm');

test('the largest activation per view is the stem output: 32×32×32 floats for resnet-mini at 32 px, 112×112×64 for resnet50 at 224', () => {
  const mini = buildEncoder('resnet-mini', 32, 1);
  assert.equal(largestActivationBytesPerView(mini), 32 * 32 * 32 * 4);
  mini.dispose();
  const fifty = buildEncoder('resnet50', 224, 1);
  assert.equal(largestActivationBytesPerView(fifty), 112 * 112 * 64 * 4);
  fifty.dispose();
});

test('a training step holds every layer output of both views: 305,664 bytes per image for resnet-tiny at 16 px', () => {
  const tiny = buildEncoder('resnet-tiny', 16, 1);
  // Floats per view: input and its rescaling 2·16·16·3; stem conv, BN, ReLU 3·16·16·8; stage 1 (no projection)
  // 7·16·16·8; stages 2–4 (with a projection) 9 each of 8·8·16, 4·4·32, 2·2·64; h 64.
  const floats = 2 * 768 + 3 * 2048 + 7 * 2048 + 9 * 1024 + 9 * 512 + 9 * 256 + 64;
  assert.equal(floats, 38_208);
  assert.equal(trainingBytesPerImage(tiny), 2 * 4 * floats);
  tiny.dispose();
});

test('micro-batches on wasm fill 1 GiB per thread: resnet-mini at 32 px takes 131 images (7.8 MiB each) in one pass', () => {
  const mini = buildEncoder('resnet-mini', 32, 1);
  assert.equal(largestMicroBatch(mini, 32), Math.floor(2 ** 30 / trainingBytesPerImage(mini)));
  assert.equal(largestMicroBatch(mini, 32), 131);
  // A size the user asks for is kept (no tensor limit on wasm).
  assert.equal(largestMicroBatch(mini, 32, 500), 500);
  mini.dispose();
});

test('the plain-JS cpu backend sets no limit: a batch trains in one pass', async () => {
  await tf.setBackend('cpu');
  try {
    const mini = buildEncoder('resnet-mini', 32, 1);
    assert.equal(largestMicroBatch(mini, 32), Infinity);
    mini.dispose();
  } finally {
    await tf.setBackend('wasm');
  }
});
