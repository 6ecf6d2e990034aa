import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildNeighbourClassifier, neighbourVoteProbabilities, standardiseRows } from '../../../src/main/engine/ml/few-label/neighbour-vote';

await initBackend('wasm');

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-4) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) < tolerance, `[${i}] ${actual[i]} ≉ ${e}`));

test('rows are standardised across their own features', () => {
  // [1, 2, 3]: mean 2, variance 2/3, so ±1/√(2/3) = ±1.224744 either side of 0; [5, 5]: no spread, all 0.
  close(standardiseRows(Float32Array.from([1, 2, 3]), 3), [-1.224744, 0, 1.224744]);
  close(standardiseRows(Float32Array.from([5, 5]), 2), [0, 0]);
});

test('every labelled image votes with weight exp(correlation / τ)', async () => {
  // Bank [1, 2, 3] (class 0) and [3, 2, 1] (class 1); the query [1, 2, 4] correlates 0.981979 with the first and
  // −0.981979 with the second. τ = 1: e^0.982 / (e^0.982 + e^−0.982) = 0.876961. τ = 0.1: 1 − 2.96e−9.
  const bank = { features: Float32Array.from([1, 2, 3, 3, 2, 1]), labels: [0, 1] };
  const query = Float32Array.from([1, 2, 4]);
  close(await neighbourVoteProbabilities(bank, query, 3, 2, 1), [0.876961, 0.123039]);
  close(await neighbourVoteProbabilities(bank, query, 3, 2, 0.1), [1, 0]);
  // Three classes, the third without a vote: its share is 0 and the shares still sum to 1.
  close(await neighbourVoteProbabilities(bank, query, 3, 3, 1), [0.876961, 0.123039, 0]);
});

test('the exported layers compute the same vote, and survive saving and loading', async () => {
  // A stand-in encoder: 4 inputs → an 8-dimensional h.
  const input = tf.input({ shape: [4] });
  const h = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: input, outputs: h });
  const before = tf.memory().numTensors;
  const images = tf.randomUniform([12, 4], 0, 1, 'float32', 5);
  const encoded = encoder.predict(images) as tf.Tensor;
  const features = (await encoded.data()) as Float32Array;
  encoded.dispose();
  const bank = { features: features.slice(0, 6 * 8), labels: [0, 1, 2, 0, 1, 2] };
  const expected = await neighbourVoteProbabilities(bank, features.slice(6 * 8), 8, 3, 0.05);

  const beforeBuild = tf.memory().numTensors;
  const classifier = buildNeighbourClassifier(encoder, bank, 3, 0.05);
  assert.equal(tf.memory().numTensors, beforeBuild + 2, 'the build keeps the two dense kernels and nothing else');
  const queries = images.slice([6, 0], [6, 4]);
  const predicted = classifier.predict(queries) as tf.Tensor;
  close((await predicted.data()) as Float32Array, Array.from(expected));
  let saved: tf.io.ModelArtifacts | undefined;
  await classifier.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const reloaded = loaded.predict(queries) as tf.Tensor;
  close((await reloaded.data()) as Float32Array, Array.from(expected));
  tf.dispose([images, queries, predicted, reloaded]);
  loaded.dispose();
  // The classifier shares the encoder's layers; disposing it frees theirs and its own.
  classifier.dispose();
  assert.equal(tf.memory().numTensors, before - 2);
});

test('queries beyond one block are all voted on, each as if alone', async () => {
  const bank = { features: Float32Array.from([1, 2, 3, 3, 2, 1, 2, 1, 3]), labels: [0, 1, 2] };
  const count = 2500;
  const queries = Float32Array.from({ length: count * 3 }, (_, i) => Math.sin(i * 0.37) + (i % 3));
  const all = await neighbourVoteProbabilities(bank, queries, 3, 3, 0.5);
  assert.equal(all.length, count * 3);
  for (const row of [0, 1023, 1024, 2047, 2048, 2499]) {
    const alone = await neighbourVoteProbabilities(bank, queries.slice(row * 3, row * 3 + 3), 3, 3, 0.5);
    close(all.subarray(row * 3, row * 3 + 3), Array.from(alone), 1e-6);
  }
});
