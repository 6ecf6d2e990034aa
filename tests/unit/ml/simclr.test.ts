import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { SimclrModel } from '../../../src/main/engine/ml/model/simclr';
import { shapeImages } from './synthetic';

await initBackend('wasm');

const { images } = shapeImages(64, 16, 1);
const batches = [images.slice([0], [32]) as tf.Tensor4D, images.slice([32], [32]) as tf.Tensor4D];
const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: 16, temperature: 0.2, learningRate: 3e-3, seed: 3 });

test('a short SimCLR run on resnet-tiny lowers the NT-Xent loss', async () => {
  const epochLosses: number[] = [];
  const epochs = 14;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let sum = 0;
    for (const batch of batches) sum += await model.trainStep(batch);
    epochLosses.push(sum / batches.length);
    model.epoch++;
  }
  // Chance level for 2B = 64 views is log(63) ≈ 4.14; the first epoch starts near it. Steps are noisy
  // (fresh augmentations each time), so compare the mean of the first two epochs with the last three.
  const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
  const trace = epochLosses.map((l) => l.toFixed(3)).join(' ');
  assert.ok(epochLosses[0] > 3.5, `first epoch ${trace}`);
  assert.ok(mean(epochLosses.slice(-3)) < mean(epochLosses.slice(0, 2)) - 0.25, `losses ${trace}`);
  assert.equal(model.step, 2 * epochs);
});

test('embedding resizes other input sizes and leaks no tensors', async () => {
  const before = tf.memory().numTensors;
  const big = tf.tidy(() => tf.image.resizeBilinear(images.slice([0], [4]), [24, 24]) as tf.Tensor4D);
  assert.equal((await model.embed(big)).length, 4 * 64);
  big.dispose();
  assert.equal(tf.memory().numTensors, before);
});
