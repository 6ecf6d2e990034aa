/**
 * The pretraining checkpoint: written and read back it resumes the same run, a checkpoint written by an
 * earlier release (tests/fixtures/checkpoint-v1, from commit 9b3c2eb) still loads and trains on, and one
 * from a newer layout is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { readCheckpointModel, readRunRecord, writeCheckpoint } from '../../../src/main/engine/ml/files/checkpoint';
import { checkpointVersion, hasCheckpoint, hasPretrainedEncoder } from '../../../src/main/engine/ml/files/checkpoint-layout';
import { resolvePretrainOptions } from '../../../src/main/engine/ml/training/presets';
import { SimclrModel } from '../../../src/main/engine/ml/model/simclr';
import { fileLoadHandler } from '../../../src/main/engine/ml/files/tfjs-files';
import { shapeImages } from './synthetic';

await initBackend('wasm');

const { images } = shapeImages(64, 16, 1);
const batches = [images.slice([0], [32]) as tf.Tensor4D, images.slice([32], [32]) as tf.Tensor4D];
const record = { options: resolvePretrainOptions({ encoder: 'resnet-tiny', imageSize: 16 }, 'wasm'), epochLosses: [4.1, 3.9], scheduleStep: 4 };

test('checkpoint save/load reproduces embeddings exactly and resumes training identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simclr-ckpt-'));
  const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: 16, temperature: 0.2, learningRate: 3e-3, seed: 3 });
  try {
    for (const batch of batches) await model.trainStep(batch);
    model.epoch = 14;
    const tensorsBeforeSave = tf.memory().numTensors;
    await writeCheckpoint(dir, model, record);
    assert.equal(tf.memory().numTensors, tensorsBeforeSave, 'saving the optimizer state frees what it made');
    assert.ok(hasCheckpoint(dir) && hasPretrainedEncoder(dir));
    assert.deepEqual(await readRunRecord(dir), record);
    assert.equal(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).version, checkpointVersion);
    const loaded = await readCheckpointModel(dir);
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
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a checkpoint written by an earlier release loads and trains on as it did then', async () => {
  const fixture = join(import.meta.dirname, '../../fixtures/checkpoint-v1');
  const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8')) as { step: number; epoch: number; hFirst8: number[]; lossOfNextStep: number };
  const model = await readCheckpointModel(fixture);
  try {
    assert.deepEqual([model.step, model.epoch], [expected.step, expected.epoch]);
    assert.equal((await readRunRecord(fixture))?.options.encoder, 'resnet-tiny');
    const input = tf.tidy(() => tf.linspace(0, 1, 4 * 16 * 16 * 3).reshape([4, 16, 16, 3]) as tf.Tensor4D);
    const h = await model.embed(input);
    h.slice(0, 8).forEach((v, i) => assert.ok(Math.abs(v - expected.hFirst8[i]) < 1e-5, `h[${i}] ${v} != ${expected.hFirst8[i]}`));
    // The next step draws its augmentations from the restored random stream and updates with the restored Adam state.
    const loss = await model.trainStep(input, { learningRate: 1e-3 });
    assert.ok(Math.abs(loss - expected.lossOfNextStep) < 1e-4, `loss ${loss} != ${expected.lossOfNextStep}`);
    input.dispose();
  } finally {
    model.dispose();
  }
});

test('a checkpoint from a newer layout is refused, saying so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simclr-ckpt-new-'));
  try {
    await cp(join(import.meta.dirname, '../../fixtures/checkpoint-v1'), dir, { recursive: true });
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...state, version: checkpointVersion + 1 }));
    await assert.rejects(readCheckpointModel(dir), /written by a newer SimCLR Studio \(layout version 2; this one reads up to 1\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
