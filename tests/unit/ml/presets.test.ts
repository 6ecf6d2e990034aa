import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretrainOptionsSchema } from '../../../src/shared/contract';
import { defaultPresetFor, pretrainPresets, resolvePretrainOptions, simclrConfigOf } from '../../../src/main/engine/ml/training/presets';

test('the backend picks the default preset: cpu on wasm/cpu, balanced on tensorflow(-gpu)', () => {
  assert.equal(defaultPresetFor('wasm'), 'cpu');
  assert.equal(defaultPresetFor('cpu'), 'cpu');
  assert.equal(defaultPresetFor('tensorflow'), 'balanced');
  assert.equal(defaultPresetFor('tensorflow-gpu'), 'balanced');
  const onWasm = resolvePretrainOptions(pretrainOptionsSchema.parse({}), 'wasm');
  assert.deepEqual(onWasm, {
    preset: 'cpu', encoder: 'resnet-tiny', imageSize: 32, batchSize: 256, temperature: 0.2, optimizer: 'adam',
    epochs: pretrainPresets.cpu.epochs, colorStrength: 1, learningRate: 1e-3, augment: { grayscaleProb: 0.5 }, seed: 1,
  });
  const onGpu = resolvePretrainOptions(pretrainOptionsSchema.parse({}), 'tensorflow-gpu');
  assert.equal(onGpu.preset, 'balanced');
  assert.equal(onGpu.encoder, 'resnet18');
  // LARS without an explicit rate: the paper's square-root scaling, 0.075·√256 = 1.2.
  assert.equal(onGpu.optimizer, 'lars');
  assert.ok(Math.abs(onGpu.learningRate - 1.2) < 1e-12);
});

test("the paper preset is the paper's ResNet-50 setting, whatever the backend", () => {
  const paper = resolvePretrainOptions({ preset: 'paper' }, 'wasm');
  assert.equal(paper.encoder, 'resnet50');
  assert.equal(paper.imageSize, 224);
  assert.equal(paper.batchSize, 4096);
  assert.equal(paper.temperature, 0.1);
  assert.equal(paper.optimizer, 'lars');
  assert.ok(Math.abs(paper.learningRate - 4.8) < 1e-12); // 0.3·4096/256 = 0.075·√4096
  assert.equal(paper.colorStrength, 1);
});

test('explicit options override the preset, and the learning rate follows the resolved optimizer and batch', () => {
  const r = resolvePretrainOptions(
    pretrainOptionsSchema.parse({ preset: 'paper', encoder: 'resnet18', batchSize: 100, imageSize: 64, temperature: 0.5, epochs: 3, colorStrength: 0.3, seed: 9, timeBudgetSeconds: 60 }),
    'tensorflow',
  );
  assert.deepEqual(
    { ...r, learningRate: r.learningRate.toFixed(6) },
    { preset: 'paper', encoder: 'resnet18', imageSize: 64, batchSize: 100, temperature: 0.5, optimizer: 'lars', epochs: 3, colorStrength: 0.3, seed: 9, timeBudgetSeconds: 60, augment: {}, learningRate: (0.075 * 10).toFixed(6) },
  );
  // Switching the cpu preset to LARS derives 0.075·√256 = 1.2; an explicit rate wins over both.
  assert.ok(Math.abs(resolvePretrainOptions({ optimizer: 'lars' }, 'wasm').learningRate - 1.2) < 1e-12);
  assert.equal(resolvePretrainOptions({ optimizer: 'lars', learningRate: 0.05 }, 'wasm').learningRate, 0.05);
  // The paper's linear scaling instead: 0.3·1024/256 = 1.2, where the square root gives 0.075·32 = 2.4.
  assert.ok(Math.abs(resolvePretrainOptions({ optimizer: 'lars', batchSize: 1024, lrScaling: 'linear' }, 'wasm').learningRate - 1.2) < 1e-12);
  assert.ok(Math.abs(resolvePretrainOptions({ optimizer: 'lars', batchSize: 1024 }, 'wasm').learningRate - 2.4) < 1e-12);
  assert.equal(resolvePretrainOptions({ optimizer: 'adam', lrScaling: 'linear' }, 'wasm').learningRate, 1e-3);
  assert.equal(resolvePretrainOptions({ preset: 'balanced', optimizer: 'adam' }, 'wasm').learningRate, 1e-3);
  // Augmentation settings pass through for the model.
  assert.deepEqual(resolvePretrainOptions({ augment: { blurProb: 0, grayscaleProb: 0.1 } }, 'wasm').augment, { blurProb: 0, grayscaleProb: 0.1 });
  // The user's settings join the preset's own (the cpu preset's grayscale half the time), and win over them.
  assert.deepEqual(resolvePretrainOptions({ augment: { blurProb: 0 } }, 'wasm').augment, { grayscaleProb: 0.5, blurProb: 0 });
  assert.deepEqual(resolvePretrainOptions({ preset: 'balanced', augment: { blurProb: 0 } }, 'wasm').augment, { blurProb: 0 });
});

test('the options schema has no defaults for tunables, so the preset can tell what was set', () => {
  assert.deepEqual(pretrainOptionsSchema.parse({}), { resume: false, seed: 1 });
  assert.throws(() => pretrainOptionsSchema.parse({ preset: 'fast' }));
  assert.throws(() => pretrainOptionsSchema.parse({ optimizer: 'sgd' }));
  assert.equal(pretrainOptionsSchema.parse({ encoder: 'resnet50' }).encoder, 'resnet50');
});

test('the model is built from the resolved options, the colour strength joining the other augmentation settings', () => {
  const resolved = resolvePretrainOptions({ preset: 'balanced', temperature: 0.3, augment: { blurProb: 0 }, seed: 4 }, 'wasm');
  assert.deepEqual(simclrConfigOf(resolved), {
    encoder: 'resnet18', imageSize: 96, optimizer: 'lars', learningRate: resolved.learningRate, temperature: 0.3, seed: 4,
    augment: { blurProb: 0, colorStrength: 1 },
  });
});

test('a preset that cannot serve says why: a GPU preset on a CPU backend, a batch bigger than the images', async () => {
  const { presetMisfits } = await import('../../../src/shared/pretrain-presets');
  assert.deepEqual(presetMisfits('cpu', { backend: 'wasm', images: 300 }), []);
  assert.deepEqual(presetMisfits('balanced', { backend: 'wasm', images: 300 }), ['needs a GPU; this machine trains on wasm (the CPU)']);
  assert.deepEqual(presetMisfits('paper', { backend: 'webgpu', images: 300 }), ['its batch of 4096 is more than the 300 images here']);
  assert.deepEqual(presetMisfits('paper', { backend: 'cpu', images: 4096 }), ['needs a GPU; this machine trains on cpu (the CPU)']);
  assert.deepEqual(presetMisfits('cpu', { backend: 'wasm', images: 100 }), ['its batch of 256 is more than the 100 images here']);
  assert.deepEqual(presetMisfits('balanced', { backend: 'tensorflow-gpu', images: 256 }), []);
});
