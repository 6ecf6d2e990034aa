import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildLinearClassifier } from '../../../src/main/engine/ml/few-label/classifier';
import { buildEncoder } from '../../../src/main/engine/ml/model/encoder';
import { regionFeatureModel, regionWindow } from '../../../src/main/engine/ml/few-label/region-features';
import { fileLoadHandler, fileSaveHandler } from '../../../src/main/engine/ml/files/tfjs-files';

await initBackend('wasm');

/** A stand-in encoder whose last feature map is its input, with h the global average as in buildEncoder. */
function identityEncoder(side: number, channels: number): tf.LayersModel {
  const input = tf.input({ shape: [side, side, channels] });
  const h = tf.layers.globalAveragePooling2d({ name: 'h' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

async function regionsOf(side: number, channels: number, values: number[]): Promise<number[]> {
  const model = regionFeatureModel(identityEncoder(side, channels));
  const out = model.predict(tf.tensor4d(values, [1, side, side, channels])) as tf.Tensor;
  const regions = Array.from(await out.data());
  model.dispose();
  return regions;
}

test('two windows cover each side: halves for an even side, overlapping by one cell for an odd one', () => {
  assert.deepEqual(regionWindow(4), { poolSize: 2, strides: 2 });
  assert.deepEqual(regionWindow(12), { poolSize: 6, strides: 6 });
  assert.deepEqual(regionWindow(7), { poolSize: 4, strides: 3 });
  assert.deepEqual(regionWindow(3), { poolSize: 2, strides: 1 });
  assert.deepEqual(regionWindow(2), { poolSize: 1, strides: 1 });
  assert.deepEqual(regionWindow(1), { poolSize: 1, strides: 1 });
});

test('region features are the means of the map over its four quarters, region by region, channels together', async () => {
  // A 4×4 map whose cell (row, col) holds 4·row + col in channel 0 and 100 more in channel 1.
  const cells = Array.from({ length: 16 }, (_, i) => i);
  const regions = await regionsOf(4, 2, cells.flatMap((v) => [v, 100 + v]));
  // Top-left (0, 1, 4, 5), top-right (2, 3, 6, 7), bottom-left (8, 9, 12, 13), bottom-right (10, 11, 14, 15).
  assert.deepEqual(regions, [2.5, 102.5, 4.5, 104.5, 10.5, 110.5, 12.5, 112.5]);
  // On a 3×3 map the 2×2 windows share the middle row and column: (0, 1, 3, 4), (1, 2, 4, 5), (3, 4, 6, 7), (4, 5, 7, 8).
  assert.deepEqual(await regionsOf(3, 1, [0, 1, 2, 3, 4, 5, 6, 7, 8]), [2, 3, 5, 6]);
});

test("a ResNet's four region features average to its h, and a probe on them exports and reloads as one model", async () => {
  const encoder = buildEncoder('resnet-tiny', 32, 3);
  const images = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const h = (await (encoder.predict(images) as tf.Tensor).data()) as Float32Array;
  const model = regionFeatureModel(encoder);
  assert.deepEqual(model.outputs[0].shape, [null, 4 * 64]);
  const regions = (await (model.predict(images) as tf.Tensor).data()) as Float32Array;
  for (let image = 0; image < 3; image++) {
    for (let channel = 0; channel < 64; channel++) {
      const mean = [0, 1, 2, 3].reduce((sum, region) => sum + regions[image * 256 + region * 64 + channel], 0) / 4;
      assert.ok(Math.abs(mean - h[image * 64 + channel]) < 1e-5, `image ${image}, channel ${channel}: ${mean} vs ${h[image * 64 + channel]}`);
    }
  }
  const classifier = buildLinearClassifier(model, { kernel: Float32Array.from({ length: 256 * 3 }, (_, i) => Math.sin(i)), bias: new Float32Array(3) });
  const probabilities = await (classifier.predict(images) as tf.Tensor).data();
  const dir = await mkdtemp(join(tmpdir(), 'simclr-regions-'));
  try {
    await classifier.save(fileSaveHandler(dir));
    const loaded = await tf.loadLayersModel(fileLoadHandler(dir));
    assert.deepEqual(await (loaded.predict(images) as tf.Tensor).data(), probabilities);
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
    classifier.dispose();
    images.dispose();
  }
});
