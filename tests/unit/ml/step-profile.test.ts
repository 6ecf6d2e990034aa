/**
 * The step profile: a training step's kernels split by phase add up to the step's, and a batch of 256 launches
 * exactly as many kernels as a batch of 64 (the augmentation, the loss and the update are batched ops).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { pixelBatch } from '../../../src/main/engine/data/batches';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { SimclrModel } from '../../../src/main/engine/ml/model/simclr';
import { phase, profileStep, stepPhases } from '../../../src/main/engine/ml/training/step-profile';

const pixels = Uint8Array.from({ length: 256 * 16 * 16 * 3 }, (_, i) => (i * 2654435761) % 251);

before(async () => {
  await initBackend('wasm');
});

async function profiledStep(model: SimclrModel, batch: number) {
  const step = async () => {
    // As the pretrain job reads a batch: cached uint8 pixels made floats in [0, 1].
    const images = phase('data', () => pixelBatch(pixels.subarray(0, batch * 16 * 16 * 3), batch, 16));
    try {
      await model.trainStep(images);
    } finally {
      images.dispose();
    }
  };
  await step(); // warm-up: first-use kernels and the micro-batch limit
  return profileStep(step);
}

test('outside a profile a phase is its function; inside, every kernel of the step falls in one phase or in other', async () => {
  assert.equal(phase('augment', () => 41 + 1), 42);
  assert.equal(await phase('readback', async () => 'read'), 'read');
  const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: 16, workers: 1, microBatchSize: 256, seed: 2 });
  try {
    const profile = await profiledStep(model, 16);
    const counted = [...stepPhases, 'other' as const].reduce((sum, name) => sum + profile.kernels[name], 0);
    assert.equal(counted, profile.kernels.total);
    for (const name of ['data', 'augment', 'forward', 'backward', 'optimizer'] as const) assert.ok(profile.kernels[name] > 0, `${name} launches kernels`);
    assert.equal(profile.kernels.readback, 0, 'reading the loss back launches none');
    assert.ok(profile.wallMs.total >= stepPhases.reduce((sum, name) => sum + profile.wallMs[name], 0) - 1e-6);
    assert.equal(profile.kernelsByName.reduce((sum, [, count]) => sum + count, 0), profile.kernels.total);
    assert.ok(!profile.kernelsByName.some(([name]) => name === 'Reshape' || name.endsWith('__op')), 'scopes and reshapes are not launches');
  } finally {
    model.dispose();
  }
});

test('a step of 256 images launches as many kernels, phase by phase, as a step of 64', { timeout: 120_000 }, async () => {
  const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: 16, workers: 1, microBatchSize: 256, seed: 2 });
  try {
    const small = await profiledStep(model, 64);
    const large = await profiledStep(model, 256);
    assert.deepEqual(large.kernels, small.kernels);
  } finally {
    model.dispose();
  }
});
