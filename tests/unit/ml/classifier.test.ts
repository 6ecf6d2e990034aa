import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildClassifier, buildLinearClassifier, finetuneLearningRate, predictProbabilities, trainClassifierEpoch } from '../../../src/main/engine/ml/few-label/classifier';
import { buildEncoder, representationDim } from '../../../src/main/engine/ml/model/encoder';
import { buildProjectionHead } from '../../../src/main/engine/ml/model/head';
import { trainLinearProbe } from '../../../src/main/engine/ml/few-label/linear-probe';
import { Rng } from '../../../src/main/engine/ml/rng';
import { fileLoadHandler, fileSaveHandler } from '../../../src/main/engine/ml/files/tfjs-files';
import { shapeImages } from './synthetic';

await initBackend('wasm');

/** Saved as one layers model and loaded back, `model` gives the same probabilities. */
async function assertReloadsAlike(model: tf.LayersModel, images: tf.Tensor4D, probs: Float32Array): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'simclr-cls-'));
  try {
    await model.save(fileSaveHandler(dir));
    const loaded = await tf.loadLayersModel(fileLoadHandler(dir));
    assert.deepEqual(await predictProbabilities(loaded, images), probs);
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('fine-tuning encoder + softmax learns the shape classes; saved model predicts the same', async () => {
  const { images, labels } = shapeImages(48, 16, 5);
  const encoder = buildEncoder('resnet-tiny', 16, 7);
  const model = buildClassifier(encoder, 3);
  assert.deepEqual(model.outputs[0].shape, [null, 3]);
  // Whole network fine-tuned: the encoder's weights are among the trainable ones.
  assert.equal(model.trainableWeights.length, encoder.trainableWeights.length + 2);

  const optimizer = tf.train.adam(3e-3);
  const rng = new Rng(9);
  const batches = [0, 16, 32].map((start) => ({ images: images.slice([start], [16]) as tf.Tensor4D, labels: labels.slice(start, start + 16) }));
  let last = { loss: Infinity, accuracy: 0 };
  const first = await trainClassifierEpoch(model, batches, optimizer, rng);
  for (let epoch = 0; epoch < 11; epoch++) last = await trainClassifierEpoch(model, batches, optimizer, rng);
  assert.ok(last.loss < first.loss, `${first.loss} → ${last.loss}`);

  const probs = await predictProbabilities(model, images);
  assert.equal(probs.length, 48 * 3);
  for (let i = 0; i < 48; i++) assert.ok(Math.abs(probs[3 * i] + probs[3 * i + 1] + probs[3 * i + 2] - 1) < 1e-4);
  const predicted = labels.map((_, i) => [0, 1, 2].reduce((best, c) => (probs[3 * i + c] > probs[3 * i + best] ? c : best), 0));
  const accuracy = predicted.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(accuracy > 0.6, `accuracy ${accuracy}`);

  await assertReloadsAlike(model, images, probs);
});

test('a classifier on the head\'s first layer computes softmax(W·ReLU(BN(h·K)) + b) with the pretrained head\'s weights, and saves whole', async () => {
  const { images } = shapeImages(6, 16, 3);
  const tensorsBefore = tf.memory().numTensors;
  const encoder = buildEncoder('resnet-tiny', 16, 7);
  const head = buildProjectionHead(representationDim('resnet-tiny'), 128, 8);
  // Moving statistics away from their 0/1 initial values, so the reference below checks that BN uses them.
  const bn = head.getLayer('head_batch_normalization');
  const [gamma, beta] = [tf.randomUniform([64], 0.5, 1.5, 'float32', 1), tf.randomUniform([64], -0.5, 0.5, 'float32', 2)];
  const [movingMean, movingVariance] = [tf.randomUniform([64], -0.2, 0.2, 'float32', 3), tf.randomUniform([64], 0.5, 2, 'float32', 4)];
  bn.setWeights([gamma, beta, movingMean, movingVariance]);
  const model = buildClassifier(encoder, 3, { head, seed: 5 });
  // Encoder, the head's dense kernel, BN's gamma and beta, and the softmax's kernel and bias: all fine-tuned.
  assert.equal(model.trainableWeights.length, encoder.trainableWeights.length + 3 + 2);

  const expected = tf.tidy(() => {
    const h = encoder.predict(images) as tf.Tensor2D;
    const y = h.matMul(model.getLayer('head_dense1').getWeights()[0]);
    const normalized = y.sub(movingMean).div(movingVariance.add(1e-3).sqrt()).mul(gamma).add(beta);
    const [kernel, bias] = model.getLayer('classifier').getWeights();
    return normalized.relu().matMul(kernel).add(bias).softmax().dataSync() as Float32Array;
  });
  const probs = await predictProbabilities(model, images);
  expected.forEach((p, i) => assert.ok(Math.abs(probs[i] - p) < 1e-5, `${i}: ${probs[i]} vs ${p}`));

  await assertReloadsAlike(model, images, probs);
  // The classifier took the head over: disposing it frees every weight of encoder and head.
  [gamma, beta, movingMean, movingVariance].forEach((t) => t.dispose());
  model.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('fine-tuning decays its rate along a cosine from the base rate towards zero', () => {
  // 0.5·(1 + cos(π·e/4)) for epochs e = 0..3 of 4, by hand: 1, 0.853553, 0.5, 0.146447.
  const rates = [0, 1, 2, 3].map((epoch) => finetuneLearningRate(epoch, 4, 1e-3));
  [1e-3, 0.853553e-3, 0.5e-3, 0.146447e-3].forEach((expected, i) => assert.ok(Math.abs(rates[i] - expected) < 1e-9, `epoch ${i}: ${rates[i]}`));
  // One epoch keeps the base rate.
  assert.equal(finetuneLearningRate(0, 1, 0.01), 0.01);
});

test('a linear probe on h becomes one exportable model: the frozen encoder with the probe as its softmax layer', async () => {
  const encoder = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 3] }), tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
  const images = tf.randomUniform([12, 4, 4, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const h = encoder.predict(images) as tf.Tensor2D;
  const probe = trainLinearProbe((await h.data()) as Float32Array, 5, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], { numClasses: 3, steps: 40 });
  const classifier = buildLinearClassifier(encoder, await probe.denseWeights());
  const fromModel = (await (classifier.predict(images) as tf.Tensor).data()) as Float32Array;
  const fromProbe = await probe.probabilities((await h.data()) as Float32Array);
  fromProbe.forEach((p, i) => assert.ok(Math.abs(p - fromModel[i]) < 1e-4, `probability ${i}: ${p} vs ${fromModel[i]}`));
  tf.dispose([images, h]);
  probe.dispose();
  classifier.dispose();
});
