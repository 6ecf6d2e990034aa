/** A dry run of pretraining: a few steps measured on this machine, scaled to the run that was planned. */
import type { PretrainEstimate } from '../../../../shared/contract';
import { chunk } from '../../data/batches';
import { Rng } from '../../ml/rng';
import type { TaskContext } from './task';

/** Timed steps in a dry run, after the untimed first; more only while they are quick (a small model's steps vary). */
const estimateSteps = { min: 3, max: 10, seconds: 10 };

/**
 * A dry run: trains a throwaway model for a few steps on real batches and scales the time they took to the
 * planned run. The first step is not timed: it compiles kernels and fills caches that later steps reuse.
 */
export async function measureSteps(
  trainBatch: (batchIds: number[], learningRate: number) => Promise<number>,
  plan: { imageIds: number[]; batchSize: number; stepsPerEpoch: number; stepsLeft: number; budgetSeconds?: number } & Pick<TaskContext<'pretrain'>, 'report' | 'signal'>,
): Promise<PretrainEstimate> {
  const { imageIds, batchSize, stepsPerEpoch, stepsLeft, budgetSeconds, report, signal } = plan;
  const batches = chunk(new Rng(1).shuffle([...imageIds]), batchSize).slice(0, stepsPerEpoch);
  const batchAt = (i: number) => batches[i % batches.length];
  report({ fraction: 0, phase: 'estimating', message: 'Estimating: a first, untimed step', metrics: {} });
  await trainBatch(batchAt(0), 0);
  let timed = 0;
  const startedAt = performance.now();
  const seconds = () => (performance.now() - startedAt) / 1000;
  while (timed < estimateSteps.max && (timed < estimateSteps.min || seconds() < estimateSteps.seconds)) {
    signal.throwIfAborted();
    await trainBatch(batchAt(timed + 1), 0);
    timed++;
    report({ fraction: Math.min(1, timed / estimateSteps.min), phase: 'estimating', message: `Estimating: timed ${timed} step${timed === 1 ? '' : 's'}`, metrics: {} });
  }
  const secondsPerStep = seconds() / timed;
  const trainingSeconds = secondsPerStep * stepsLeft;
  const endedByBudget = budgetSeconds !== undefined && budgetSeconds < trainingSeconds;
  return {
    measuredSteps: timed,
    secondsPerStep,
    batchSize,
    imagesPerSecond: batchSize / secondsPerStep,
    images: imageIds.length,
    stepsPerEpoch,
    steps: endedByBudget ? Math.floor(budgetSeconds / secondsPerStep) : stepsLeft,
    seconds: endedByBudget ? budgetSeconds : trainingSeconds,
    endedByBudget,
  };
}

