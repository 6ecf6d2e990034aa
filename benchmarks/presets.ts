/**
 * Pretraining throughput of each named preset on the active backend, as the app would run it (the preset's
 * encoder, image size, batch and optimizer; augmentation included), printed as one JSON object:
 *   node --import tsx benchmarks/presets.ts [--backend webgpu] [--presets cpu,balanced,paper] [--steps 3]
 * A preset whose batch the backend cannot hold (batch-limits) is retried at half the batch until one fits. A batch
 * that fails while training is reported and not retried: a failed step can leave the backend unusable (wasm's
 * heap, WebGPU's memory), so smaller batches need a run of their own (--max-batch).
 * First, the backend's first SimCLR steps are checked against the plain-JS cpu backend from the same seed.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { StudioError, pretrainPresetNames, type PretrainPresetName } from '../src/shared/contract';
import { initBackend } from '../src/main/engine/ml/backend';
import { assertBatchFits } from '../src/main/engine/ml/batch-limits';
import { resolvePretrainOptions, simclrConfigOf, trainingWorkers } from '../src/main/engine/ml/presets';
import { SimclrModel } from '../src/main/engine/ml/simclr';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    presets: { type: 'string', default: pretrainPresetNames.join(',') },
    steps: { type: 'string', default: '3' },
    // The largest batch tried per preset (the preset's own when unset).
    'max-batch': { type: 'string' },
  },
});
const presets = values.presets.split(',').map((name) => {
  if (!(pretrainPresetNames as readonly string[]).includes(name)) throw new Error(`--presets: unknown preset "${name}"; expected ${pretrainPresetNames.join(', ')}`);
  return name as PretrainPresetName;
});
const steps = Math.max(1, Number(values.steps));
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Losses of the first steps of a small model from a fixed seed, on whichever backend is active. */
async function firstLosses(): Promise<number[]> {
  const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: 16, optimizer: 'lars', temperature: 0.2, seed: 3 });
  const images = tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push(await model.trainStep(images));
  model.dispose();
  images.dispose();
  return losses;
}

const backend = await initBackend(values.backend);
const tfBackendName = tf.getBackend();
// Tensors never cross backends here: each run builds its own model and images from the same seeds.
await tf.setBackend('cpu');
const cpuLosses = await firstLosses();
await tf.setBackend(tfBackendName);
const backendLosses = await firstLosses();
const agreement = { cpuLosses, backendLosses, maxDifference: Math.max(...cpuLosses.map((loss, i) => Math.abs(loss - backendLosses[i]))) };
log(`agreement with cpu: ${JSON.stringify(agreement)}`);

/** Median wall time of `steps` training steps after one warm-up step (which also compiles kernels). */
async function timeSteps(preset: PretrainPresetName, batch: number) {
  const options = resolvePretrainOptions({ preset, batchSize: batch }, backend);
  const model = SimclrModel.create({ workers: trainingWorkers, ...simclrConfigOf(options) });
  let images: tf.Tensor4D | undefined;
  try {
    // As the app does: refuse a batch the backend cannot hold, rather than filling the GPU on the way to failing.
    assertBatchFits(model.encoder, batch, options.imageSize);
    images = tf.randomUniform([batch, options.imageSize, options.imageSize, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const warmUpStarted = performance.now();
    const firstLoss = await model.trainStep(images);
    const warmUpMs = performance.now() - warmUpStarted;
    const times: number[] = [];
    let lastLoss = firstLoss;
    for (let i = 0; i < steps; i++) {
      const started = performance.now();
      lastLoss = await model.trainStep(images);
      times.push(performance.now() - started);
    }
    const stepMs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    return { encoder: options.encoder, imageSize: options.imageSize, batch, warmUpMs: Math.round(warmUpMs), stepMs: Math.round(stepMs), trainImagesPerSec: +((batch * 1000) / stepMs).toFixed(1), firstLoss, lastLoss };
  } finally {
    model.dispose();
    images?.dispose();
  }
}

const results: Record<string, unknown> = {};
for (const preset of presets) {
  const failures: { batch: number; error: string }[] = [];
  let batch = Number(values['max-batch'] ?? resolvePretrainOptions({ preset }, backend).batchSize);
  for (; batch >= 8; batch = Math.floor(batch / 2)) {
    log(`— ${preset} at batch ${batch}`);
    try {
      results[preset] = { ...(await timeSteps(preset, batch)), failures };
      break;
    } catch (err) {
      failures.push({ batch, error: (err as Error).message.split('\n')[0] });
      if (!(err instanceof StudioError)) break;
    }
  }
  results[preset] ??= { failures };
  log(JSON.stringify(results[preset]));
}

console.log(JSON.stringify({ backend, steps, agreement, presets: results, tensorsLeft: tf.memory().numTensors }));
