/**
 * SimCLR pretraining over every image, without labels. Checkpoints at each epoch end, every few minutes, on
 * cancel and when the time budget runs out; `resume` continues from the last checkpoint.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PretrainResult } from '../../../../shared/contract';
import { StudioError, pretrainOptionsSchema } from '../../../../shared/contract';
import { chunk, rateAndEta, readImageBatch } from '../../data/batches';
import { Rng } from '../../ml/rng';
import { learningRateAt } from '../../ml/schedule';
import { SimclrModel } from '../../ml/simclr';
import { buildCacheWithProgress } from './build-cache';
import type { Task } from './task';

const checkpointEveryMs = 5 * 60_000;
/** Warm-up over the first tenth of training, then cosine decay (the paper warms up for 10 epochs of 100). */
const warmupFraction = 0.1;

/** Writes beside the live checkpoint and swaps it in, so a kill mid-write never leaves a broken one. */
async function saveCheckpointAtomically(model: SimclrModel, dir: string): Promise<void> {
  const next = `${dir}.next`;
  await rm(next, { recursive: true, force: true });
  await model.saveCheckpoint(next);
  await rm(dir, { recursive: true, force: true });
  await rename(next, dir);
}

export const pretrainTask: Task<PretrainResult> = async (context) => {
  const { store, report, signal, backend } = context;
  const options = pretrainOptionsSchema.parse(context.options);
  const checkpointDir = store.layout.pretrainCheckpoint;
  const canResume = options.resume && existsSync(join(checkpointDir, 'state.json'));
  if (options.resume && !canResume) report({ fraction: 0, phase: 'starting', message: 'No checkpoint to resume; starting afresh', metrics: {} });
  const model = canResume
    ? await SimclrModel.loadCheckpoint(checkpointDir)
    : SimclrModel.create({
        encoder: options.encoder,
        imageSize: options.imageSize,
        learningRate: options.learningRate,
        temperature: options.temperature,
        augment: { colorStrength: options.colorStrength },
        seed: options.seed,
      });
  const { imageSize, seed, learningRate } = model.config;
  const cache = await buildCacheWithProgress(context, imageSize);
  const imageIds = cache.imageIds();
  if (imageIds.length < 2) throw new StudioError('Pretraining needs at least two readable images');

  // NT-Xent contrasts each image with the others in its batch, so a batch needs two images at least.
  const batchSize = Math.min(options.batchSize, imageIds.length);
  const stepsPerEpoch = Math.floor(imageIds.length / batchSize);
  const totalSteps = options.epochs * stepsPerEpoch;
  const schedule = { baseLr: learningRate, warmupSteps: Math.ceil(totalSteps * warmupFraction), totalSteps };
  const startedAt = performance.now();
  const firstStep = model.step;
  let lastCheckpointAt = Date.now();
  let epochLoss = NaN;
  let stepLoss = NaN;
  let outOfTime = false;

  const metrics = () => {
    const { imagesPerSecond, etaSeconds } = rateAndEta((model.step - firstStep) * batchSize, (totalSteps - firstStep) * batchSize, startedAt);
    return { epoch: model.epoch, step: model.step, loss: stepLoss, epochLoss, imagesPerSecond, etaSeconds, batchSize, images: imageIds.length };
  };

  try {
    while (model.epoch < options.epochs && !signal.aborted && !outOfTime) {
      // Each epoch's order comes from the seed and the epoch number, so a resumed run sees the same order.
      const order = new Rng(seed * 100_003 + model.epoch).shuffle([...imageIds]);
      const batches = chunk(order, batchSize).slice(0, stepsPerEpoch);
      const skip = model.step - model.epoch * stepsPerEpoch; // steps of this epoch done before a resume
      let lossSum = 0;
      for (const batchIds of batches.slice(Math.max(0, skip))) {
        const images = readImageBatch(cache, batchIds);
        stepLoss = await model.trainStep(images, { learningRate: learningRateAt(model.step, schedule) });
        images.dispose();
        lossSum += stepLoss;
        report({
          fraction: model.step / totalSteps,
          phase: 'training',
          message: `Epoch ${model.epoch + 1}/${options.epochs}, step ${model.step - model.epoch * stepsPerEpoch}/${stepsPerEpoch}, loss ${stepLoss.toFixed(4)}`,
          metrics: metrics(),
        });
        outOfTime = options.timeBudgetSeconds !== undefined && (performance.now() - startedAt) / 1000 > options.timeBudgetSeconds;
        if (signal.aborted || outOfTime) break;
        if (Date.now() - lastCheckpointAt > checkpointEveryMs) {
          await saveCheckpointAtomically(model, checkpointDir);
          lastCheckpointAt = Date.now();
        }
      }
      if (model.step >= (model.epoch + 1) * stepsPerEpoch) {
        model.epoch++;
        epochLoss = lossSum / batches.length;
        await saveCheckpointAtomically(model, checkpointDir);
        lastCheckpointAt = Date.now();
      }
    }
    if (signal.aborted || outOfTime) await saveCheckpointAtomically(model, checkpointDir);
    const final = metrics();
    return {
      result: { epochs: model.epoch, loss: Number.isNaN(epochLoss) ? stepLoss : epochLoss, backend },
      metrics: { ...final, tensorsInMemory: tf.memory().numTensors },
    };
  } finally {
    model.dispose();
  }
};
