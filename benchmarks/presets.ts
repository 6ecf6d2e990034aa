/**
 * Pretraining throughput of each named preset on the active backend, as the app would run it (the preset's
 * encoder, image size, batch and optimizer, in the micro-batches the backend's memory allows; augmentation
 * included), printed as one JSON object:
 *   node --import tsx benchmarks/presets.ts [--backend webgpu] [--presets cpu,balanced,paper] [--steps 3]
 *     [--batch N] [--micro-batch N]
 * The presets default to those meant for the backend: a CPU backend would take hours over the paper's.
 * A preset that fails is reported and the next one runs.
 * First, the backend's first SimCLR steps are checked against the plain-JS cpu backend from the same seed.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pretrainPresetNames, type PretrainPresetName } from '../src/shared/contract';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { microBatchSizes } from '../src/main/engine/ml/training/micro-batch';
import { resolvePretrainOptions, simclrConfigOf, trainingWorkers } from '../src/main/engine/ml/training/presets';
import { SimclrModel } from '../src/main/engine/ml/model/simclr';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    presets: { type: 'string' },
    steps: { type: 'string', default: '3' },
    // Overrides each preset's batch.
    batch: { type: 'string' },
    // Images per micro-batch (per thread); automatic when unset.
    'micro-batch': { type: 'string' },
  },
});
const backend = await initBackend(values.backend);
const onCpu = backend === 'wasm' || backend === 'cpu';
const presets = (values.presets ?? (onCpu ? 'cpu,balanced' : pretrainPresetNames.join(','))).split(',').map((name) => {
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

const tfBackendName = tf.getBackend();
// Tensors never cross backends here: each run builds its own model and images from the same seeds.
await tf.setBackend('cpu');
const cpuLosses = await firstLosses();
await tf.setBackend(tfBackendName);
const backendLosses = await firstLosses();
const agreement = { cpuLosses, backendLosses, maxDifference: Math.max(...cpuLosses.map((loss, i) => Math.abs(loss - backendLosses[i]))) };
log(`agreement with cpu: ${JSON.stringify(agreement)}`);

const optionalNumber = (flag: string | undefined) => (flag === undefined ? undefined : Number(flag));

/** Median wall time of `steps` training steps after one warm-up step (which also compiles kernels). */
async function timeSteps(preset: PretrainPresetName) {
  const options = resolvePretrainOptions({ preset, batchSize: optionalNumber(values.batch), microBatchSize: optionalNumber(values['micro-batch']) }, backend);
  const batch = options.batchSize;
  const model = SimclrModel.create({ workers: trainingWorkers, microBatchSize: options.microBatchSize, ...simclrConfigOf(options) });
  const images: tf.Tensor4D[] = [];
  try {
    // As the app does: one tensor per micro-batch, since a whole batch of large images can exceed one tensor's limit.
    const microBatch = model.imagesPerMicroBatch();
    microBatchSizes(batch, microBatch).forEach((size, i) => {
      images.push(tf.randomUniform([size, options.imageSize, options.imageSize, 3], 0, 1, 'float32', 7 + i) as tf.Tensor4D);
    });
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
    // The largest micro-batch a thread actually trains (the limit may not divide its share evenly).
    return { encoder: options.encoder, imageSize: options.imageSize, batch, microBatch: model.microBatchesPerThread(batch)[0], warmUpMs: Math.round(warmUpMs), stepMs: Math.round(stepMs), trainImagesPerSec: +((batch * 1000) / stepMs).toFixed(1), firstLoss, lastLoss };
  } finally {
    model.dispose();
    tf.dispose(images);
  }
}

const results: Record<string, unknown> = {};
for (const preset of presets) {
  log(`— ${preset}`);
  try {
    results[preset] = await timeSteps(preset);
  } catch (err) {
    results[preset] = { error: (err as Error).message.split('\n')[0] };
  }
  log(JSON.stringify(results[preset]));
}

// The peer thread runs in this process, so the peak covers both wasm threads.
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ backend, steps, agreement, presets: results, tensorsLeft: tf.memory().numTensors, peakRssMiB }));
