/**
 * SimCLR pretraining over every image, without labels. The request is resolved against a preset (by name,
 * or the backend's default); the resolved options are saved with each checkpoint, at each epoch end, every
 * few minutes, on cancel and when the time budget runs out, so `resume` continues the same schedule.
 */
import * as tf from '@tensorflow/tfjs';
import type { PretrainOptions, ResolvedPretrainOptions } from '../../../../shared/contract';
import { StudioError, pretrainOptionsSchema } from '../../../../shared/contract';
import { chunk, rateAndEta, readImageBatch } from '../../data/batches';
import { readCheckpointModel, readRunRecord, writeCheckpoint, type PretrainRunRecord } from '../../ml/files/checkpoint';
import { finishInterruptedSwap, hasCheckpoint } from '../../ml/files/checkpoint-layout';
import { inMicroBatches } from '../../ml/training/micro-batch';
import { resolvePretrainOptions, runOptionsOf, simclrConfigOf, trainingWorkers } from '../../ml/training/presets';
import { Rng } from '../../ml/rng';
import { learningRateAt, scheduledStep } from '../../ml/model/schedule';
import { SimclrModel } from '../../ml/model/simclr';
import { diskFullError, isDiskFull } from '../../store/disk-full';
import { buildCacheWithProgress } from './build-cache';
import { measureSteps } from './pretrain-estimate';
import type { Task } from './task';

const checkpointEveryMs = 5 * 60_000;
/** Warm-up over the first tenth of training, then cosine decay (the paper warms up for 10 epochs of 100). */
const warmupFraction = 0.1;
/** Writes the checkpoint; a full disk keeps the previous one and says so. */
async function saveCheckpoint(model: SimclrModel, record: PretrainRunRecord, dir: string): Promise<void> {
  try {
    await writeCheckpoint(dir, model, record);
  } catch (error) {
    if (isDiskFull(error)) throw diskFullError(dir, error, `the checkpoint of epoch ${model.epoch} was not written and the previous one is kept`);
    throw error;
  }
}

/**
 * A resumed run keeps the checkpoint's options (so the schedule continues where it stopped); only the
 * length of training, the time budget and the micro-batch size may be changed. Checkpoints from before
 * run.json are resolved from their model config.
 */
async function resumedRecord(dir: string, requested: PretrainOptions, model: SimclrModel, backend: string): Promise<PretrainRunRecord> {
  const saved = (await readRunRecord(dir)) ?? { options: resolvePretrainOptions({ ...requested, ...legacyOptions(model.config) }, backend), epochLosses: [] };
  const { timeBudgetSeconds: _previousBudget, microBatchSize: _previousMicroBatch, ...kept } = saved.options;
  const options = { ...kept, epochs: requested.epochs ?? kept.epochs, ...runOptionsOf(requested) };
  return { options, epochLosses: saved.epochLosses, scheduleStep: saved.scheduleStep };
}

function legacyOptions(c: SimclrModel['config']): Partial<PretrainOptions> {
  const { encoder, imageSize, optimizer, learningRate, temperature, seed } = c;
  return { encoder, imageSize, optimizer, learningRate, temperature, seed, colorStrength: c.augment.colorStrength };
}

function createModel(options: ResolvedPretrainOptions): SimclrModel {
  return SimclrModel.create({ workers: trainingWorkers, microBatchSize: options.microBatchSize, ...simclrConfigOf(options) });
}

/** The numeric options, for the run's metrics (which `status` lists). */
function optionMetrics(o: ResolvedPretrainOptions): Record<string, number> {
  return { imageSize: o.imageSize, epochsPlanned: o.epochs, temperature: o.temperature, learningRate: o.learningRate, colorStrength: o.colorStrength, seed: o.seed };
}

export const pretrainTask: Task<'pretrain'> = async (context) => {
  const { store, report, signal, backend } = context;
  const requested = pretrainOptionsSchema.parse(context.options);
  const checkpointDir = store.layout.pretrainCheckpoint;
  await finishInterruptedSwap(checkpointDir);
  const canResume = requested.resume && hasCheckpoint(checkpointDir);
  if (requested.resume && !canResume) report({ fraction: 0, phase: 'starting', message: 'No checkpoint to resume; starting afresh', metrics: {} });
  let record: PretrainRunRecord = { options: resolvePretrainOptions(requested, backend), epochLosses: [] };
  let model: SimclrModel;
  if (canResume) {
    model = await readCheckpointModel(checkpointDir, { workers: trainingWorkers, microBatchSize: requested.microBatchSize });
    record = await resumedRecord(checkpointDir, requested, model, backend);
  } else {
    model = createModel(record.options);
  }
  const { options } = record;
  try {
    // NT-Xent contrasts the images of a batch, so a batch is never more than the images there are.
    const images = store.count('images');
    const batch = options.batchSize > images ? `batch ${images} (every image; ${options.batchSize} asked)` : `batch ${options.batchSize}`;
    const describe = `${options.encoder} at ${options.imageSize} px, ${batch}, ${options.optimizer} lr ${options.learningRate.toPrecision(3)}, τ ${options.temperature} (preset ${options.preset})`;
    report({ fraction: 0, phase: 'starting', message: `${canResume ? 'Resuming' : 'Starting'} ${describe}`, metrics: optionMetrics(options), log: true });
    // Before the cache is built: a micro-batch the backend cannot hold would otherwise fail only at the first step.
    const microBatch = model.imagesPerMicroBatch();
    const perThread = model.microBatchesPerThread(Math.min(options.batchSize, images));
    if (perThread.length > 1) {
      const message = `Each batch trains in ${perThread.length} micro-batches of up to ${perThread[0]} images per thread: the same gradients, batch norm per micro-batch`;
      report({ fraction: 0, phase: 'starting', message, metrics: { microBatch: perThread[0] }, log: true });
    }
    const cache = await buildCacheWithProgress(context, options.imageSize);
    const imageIds = cache.imageIds();
    if (imageIds.length < 2) throw new StudioError('Pretraining needs at least two readable images');

    // NT-Xent contrasts each image with the others in its batch, so a batch needs two images at least.
    const batchSize = Math.min(options.batchSize, imageIds.length);
    const stepsPerEpoch = Math.floor(imageIds.length / batchSize);
    const totalSteps = options.epochs * stepsPerEpoch;
    const schedule = { baseLr: options.learningRate, warmupSteps: Math.ceil(totalSteps * warmupFraction), totalSteps };
    const startedAt = performance.now();
    const firstStep = model.step;
    const secondsElapsed = () => (performance.now() - startedAt) / 1000;
    const clock = { startStep: Math.min(totalSteps, Math.max(firstStep, record.scheduleStep ?? firstStep)), totalSteps, budgetSeconds: options.timeBudgetSeconds };
    const scheduleNow = () => scheduledStep({ ...clock, stepsDone: model.step - firstStep, secondsElapsed: secondsElapsed() });
    const fractionDone = () => Math.max(model.step, scheduleNow()) / totalSteps;
    let lastCheckpointAt = Date.now();
    let epochLoss = NaN;
    let stepLoss = NaN;
    let outOfTime = false;
    let currentLearningRate = NaN;

    const metrics = () => {
      const { imagesPerSecond, etaSeconds: etaBySteps } = rateAndEta((model.step - firstStep) * batchSize, (totalSteps - firstStep) * batchSize, startedAt);
      // A budget ends the run when it runs out, if the steps have not ended it first.
      const etaSeconds = options.timeBudgetSeconds === undefined ? etaBySteps : Math.min(etaBySteps, Math.max(0, options.timeBudgetSeconds - secondsElapsed()));
      const progress = { epoch: model.epoch, step: model.step, startStep: firstStep, loss: stepLoss, epochLoss };
      return { ...optionMetrics(options), ...progress, currentLearningRate, scheduleStep: record.scheduleStep ?? model.step, totalSteps, imagesPerSecond, etaSeconds, batchSize, microBatch: perThread[0], images: imageIds.length };
    };

    const trainBatch = async (batchIds: number[], learningRate: number): Promise<number> => {
      // Read in micro-batches: a whole batch of large images may be more than one tensor can hold.
      const parts = inMicroBatches(batchIds, microBatch).map((ids) => readImageBatch(cache, ids));
      try {
        return await model.trainStep(parts, { learningRate });
      } finally {
        tf.dispose(parts);
      }
    };

    if (requested.dryRun) {
      const estimate = await measureSteps(trainBatch, { imageIds, batchSize, stepsPerEpoch, stepsLeft: totalSteps - firstStep, budgetSeconds: options.timeBudgetSeconds, report, signal });
      return { result: { epochs: 0, loss: NaN, backend, options, estimate }, metrics: { ...estimate, endedByBudget: Number(estimate.endedByBudget) } };
    }

    while (model.epoch < options.epochs && !signal.aborted && !outOfTime) {
      // Each epoch's order comes from the seed and the epoch number, so a resumed run sees the same order.
      const order = new Rng(options.seed * 100_003 + model.epoch).shuffle([...imageIds]);
      const batches = chunk(order, batchSize).slice(0, stepsPerEpoch);
      const skip = model.step - model.epoch * stepsPerEpoch; // steps of this epoch done before a resume
      let lossSum = 0;
      let lossCount = 0;
      for (const batchIds of batches.slice(Math.max(0, skip))) {
        record.scheduleStep = scheduleNow();
        currentLearningRate = learningRateAt(record.scheduleStep, schedule);
        stepLoss = await trainBatch(batchIds, currentLearningRate);
        lossSum += stepLoss;
        lossCount++;
        report({
          fraction: fractionDone(),
          phase: 'training',
          message: `Epoch ${model.epoch + 1}/${options.epochs}, step ${model.step - model.epoch * stepsPerEpoch}/${stepsPerEpoch}, loss ${stepLoss.toFixed(4)}`,
          metrics: metrics(),
        });
        outOfTime = options.timeBudgetSeconds !== undefined && secondsElapsed() > options.timeBudgetSeconds;
        if (signal.aborted || outOfTime) break;
        if (Date.now() - lastCheckpointAt > checkpointEveryMs) {
          await saveCheckpoint(model, record, checkpointDir);
          lastCheckpointAt = Date.now();
        }
      }
      if (model.step >= (model.epoch + 1) * stepsPerEpoch) {
        model.epoch++;
        epochLoss = lossSum / Math.max(1, lossCount);
        record.epochLosses.push(epochLoss);
        await saveCheckpoint(model, record, checkpointDir);
        lastCheckpointAt = Date.now();
        const message = `Epoch ${model.epoch}/${options.epochs} done: mean loss ${epochLoss.toFixed(4)}, checkpoint saved`;
        report({ fraction: fractionDone(), phase: 'training', message, metrics: metrics(), log: true });
      }
    }
    if (signal.aborted || outOfTime) {
      await saveCheckpoint(model, record, checkpointDir);
      const why = signal.aborted ? 'Cancelled' : `The time budget of ${options.timeBudgetSeconds} s ran out`;
      report({ fraction: fractionDone(), phase: 'training', message: `${why} at step ${model.step}; checkpoint saved`, metrics: metrics(), log: true });
    }
    const final = metrics();
    return {
      result: { epochs: model.epoch, loss: Number.isNaN(epochLoss) ? stepLoss : epochLoss, backend, options },
      metrics: { ...final, tensorsInMemory: tf.memory().numTensors },
    };
  } finally {
    model.dispose();
  }
};
