import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backend';
import { SimclrModel } from '../../../src/main/engine/ml/simclr';
import { fileLoadHandler } from '../../../src/main/engine/ml/tfjs-files';
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

test('checkpoint save/load reproduces embeddings exactly and resumes training identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simclr-ckpt-'));
  try {
    const tensorsBeforeSave = tf.memory().numTensors;
    await model.saveCheckpoint(dir);
    assert.equal(tf.memory().numTensors, tensorsBeforeSave, 'saving the optimizer state frees what it made');
    const loaded = await SimclrModel.loadCheckpoint(dir);
    assert.deepEqual(await loaded.embed(images), await model.embed(images));
    assert.equal((await model.embed(images)).length, 64 * 64);
    assert.equal(loaded.step, model.step);
    assert.equal(loaded.epoch, 14);
    // Same RNG state and optimizer state ⇒ the next step gives the same loss and the same weights.
    const [a, b] = [await model.trainStep(batches[0]), await loaded.trainStep(batches[0])];
    assert.equal(a, b);
    // Not bit-exact: tf's Adam rebuilds β^t with pow() on restore where the running model multiplied.
    const e1 = await loaded.embed(images);
    const e2 = await model.embed(images);
    assert.ok(e1.every((v, i) => Math.abs(v - e2[i]) < 1e-4 * Math.max(1, Math.abs(v))));

    // The encoder is a standard TensorFlow.js layers model: model.json + weights.bin.
    const json = JSON.parse(await readFile(join(dir, 'encoder', 'model.json'), 'utf8'));
    assert.ok(json.modelTopology);
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    const plain = await tf.loadLayersModel(fileLoadHandler(join(dir, 'encoder')));
    assert.deepEqual(plain.outputs[0].shape, [null, 64]);
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('embedding resizes other input sizes and leaks no tensors', async () => {
  const before = tf.memory().numTensors;
  const big = tf.tidy(() => tf.image.resizeBilinear(images.slice([0], [4]), [24, 24]) as tf.Tensor4D);
  assert.equal((await model.embed(big)).length, 4 * 64);
  big.dispose();
  assert.equal(tf.memory().numTensors, before);
});
