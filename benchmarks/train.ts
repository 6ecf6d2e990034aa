/**
 * Training throughput of resnet-mini on the active backend, printed as one JSON object:
 *   node --import tsx benchmarks/train.ts [--batch 256] [--steps 5] [--workers 2] [--size 32] [--backend wasm] [--soak N]
 *   node --import tsx benchmarks/train.ts --profile [--profile-batches 64,256] [--encoder resnet-mini] [--optimizer adam|lars] [--fused-optimizer true|false]
 * (--profile: a step's time and kernel launches by phase, see train-profile.ts.)
 * Counts 0.2786 GFLOP per image per view forward at 32 px and a training step as 3× forward, and compares
 * the achieved rate with the same backend's 1024×1024 float32 matmul rate measured in the same run.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { SimclrModel } from '../src/main/engine/ml/model/simclr';
import { fusedUpdatesPay } from '../src/main/engine/ml/model/optimizer';
import type { EncoderName } from '../src/shared/contract';
import { profileTraining } from './train-profile';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '256' },
    steps: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
    size: { type: 'string', default: '32' },
    backend: { type: 'string' },
    // Extra steps after the timed ones, to show memory stays flat (tensors and resident memory before and after).
    soak: { type: 'string', default: '0' },
    profile: { type: 'boolean', default: false },
    'profile-batches': { type: 'string', default: '64,256' },
    encoder: { type: 'string', default: 'resnet-mini' },
    optimizer: { type: 'string', default: 'adam' },
    // The one-update-for-all-variables optimizer; default: what the backend uses (fused on WebGPU only).
    'fused-optimizer': { type: 'string' },
  },
});
const batch = Number(values.batch);
const steps = Math.max(1, Number(values.steps));
const workers = Math.max(1, Number(values.workers));
const size = Number(values.size);
const forwardGflopPerImage = 0.2786 * (size / 32) ** 2;
const embedBatch = 512;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time in ms of `runs` calls after one warm-up call. */
async function timeMs(runs: number, f: () => Promise<void> | void): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function matmulGflops(): Promise<number> {
  const n = 1024;
  const [a, b] = [tf.randomNormal([n, n]), tf.randomNormal([n, n])];
  const ms = await timeMs(5, async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  tf.dispose([a, b]);
  return (2 * n ** 3) / ms / 1e6;
}

const backend = await initBackend(values.backend);
if (values.profile) {
  const batches = values['profile-batches'].split(',').map(Number);
  const fusedOptimizer = values['fused-optimizer'] === undefined ? fusedUpdatesPay() : values['fused-optimizer'] === 'true';
  const report = await profileTraining({ backend, encoder: values.encoder as EncoderName, size, batches, steps, optimizer: values.optimizer as 'adam' | 'lars', fusedOptimizer });
  console.log(JSON.stringify(report));
  process.exit(0);
}
const peak = await matmulGflops();
const model = SimclrModel.create({ encoder: 'resnet-mini', imageSize: size, seed: 1, workers });
const images = tf.randomUniform([batch, size, size, 3]) as tf.Tensor4D;

// Augmentation is included: trainStep draws and applies both views. Resident memory is read after the
// warm-up step and after the last: a steady state shows no growth between them.
const rssMiB = () => Math.round(process.memoryUsage.rss() / 2 ** 20);
let rssAfterWarmupMiB = 0;
const stepMs = await timeMs(steps, async () => {
  await model.trainStep(images);
  rssAfterWarmupMiB ||= rssMiB();
});
const rssAfterStepsMiB = rssMiB();
const soakSteps = Number(values.soak);
const tensorsBeforeSoak = tf.memory().numTensors;
for (let i = 0; i < soakSteps; i++) await model.trainStep(images);
const soak = soakSteps > 0 ? { steps: soakSteps, tensorsBefore: tensorsBeforeSoak, tensorsAfter: tf.memory().numTensors, rssAfterMiB: rssMiB() } : undefined;
const embedImages = tf.randomUniform([embedBatch, size, size, 3]) as tf.Tensor4D;
const embedMs = await timeMs(Math.min(3, steps), async () => void (await model.embed(embedImages)));
const trainImagesPerSec = (batch * 1000) / stepMs;
const achieved = trainImagesPerSec * 2 * 3 * forwardGflopPerImage;
// The peer thread runs in this process, so RSS covers both workers.
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

console.log(
  JSON.stringify({
    backend,
    encoder: 'resnet-mini',
    imageSize: size,
    batch,
    views: 2 * batch,
    workers,
    steps,
    stepMs: Math.round(stepMs),
    trainImagesPerSec: +trainImagesPerSec.toFixed(2),
    achievedGflops: +achieved.toFixed(2),
    matmulGflops: +peak.toFixed(2),
    ratioAchievedToPeak: +(achieved / peak).toFixed(3),
    ratioPerCore: +(achieved / peak / workers).toFixed(3),
    embedBatch,
    embedImagesPerSec: +((embedBatch * 1000) / embedMs).toFixed(2),
    peakRssMiB: Math.round(peakRssMiB),
    rssAfterWarmupMiB,
    rssAfterStepsMiB,
    soak,
  }),
);
model.dispose();
tf.dispose([images, embedImages]);
