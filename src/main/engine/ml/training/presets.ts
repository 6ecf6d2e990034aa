/**
 * Resolution of a pretraining request into the options a run uses: the preset (chosen by the user, or by
 * the backend) fills in whatever the user did not set, and the learning rate follows the optimizer and batch.
 */
import { availableParallelism } from 'node:os';
import type { LrScaling, PretrainOptions, ResolvedPretrainOptions } from '../../../../shared/contract';
import { defaultPresetFor, pretrainPresets, type PresetValues } from '../../../../shared/pretrain-presets';
import { linearScaledLr, sqrtScaledLr } from '../model/schedule';
import type { SimclrConfig } from '../model/simclr';

export { defaultPresetFor, pretrainPresets };

/** wasm runs one thread per worker, so a run splits the batch across a second thread where a core is free. */
export const trainingWorkers = Math.min(2, availableParallelism());

/**
 * Adam's usual 1e-3, or LARS with the paper's square-root scaling 0.075·√B (its choice for small batches) or
 * its linear scaling 0.3·B/256 (the two agree at B = 4096).
 */
export function defaultLearningRate(optimizer: ResolvedPretrainOptions['optimizer'], batchSize: number, scaling: LrScaling = 'sqrt'): number {
  if (optimizer !== 'lars') return 1e-3;
  return scaling === 'linear' ? linearScaledLr(batchSize) : sqrtScaledLr(batchSize);
}

/** Every option the run will use: explicit values, then the preset's, then values derived from those. */
export function resolvePretrainOptions(requested: Partial<PretrainOptions>, backend: string): ResolvedPretrainOptions {
  const preset = requested.preset ?? defaultPresetFor(backend);
  const { summary: _summary, needsGpu: _needsGpu, augment: presetAugment, ...values } = pretrainPresets[preset];
  const set = Object.fromEntries(Object.entries(requested).filter(([, v]) => v !== undefined)) as Partial<PretrainOptions>;
  const merged = { ...values, ...pick(set, Object.keys(values) as (keyof PresetValues)[]) };
  return {
    preset,
    ...merged,
    learningRate: set.learningRate ?? defaultLearningRate(merged.optimizer, merged.batchSize, set.lrScaling),
    augment: { ...presetAugment, ...set.augment },
    seed: set.seed ?? 1,
    ...runOptionsOf(set),
  };
}

/** The options that say how long and in what parts a run trains, not what it trains: a resumed run may change them. */
export function runOptionsOf(requested: Partial<PretrainOptions>): Pick<ResolvedPretrainOptions, 'timeBudgetSeconds' | 'microBatchSize'> {
  return {
    ...(requested.timeBudgetSeconds !== undefined && { timeBudgetSeconds: requested.timeBudgetSeconds }),
    ...(requested.microBatchSize !== undefined && { microBatchSize: requested.microBatchSize }),
  };
}

/** What the model is built from; the projection head keeps the paper's 128 dimensions. */
export function simclrConfigOf(options: ResolvedPretrainOptions): Omit<SimclrConfig, 'projectionDim'> {
  const { encoder, imageSize, optimizer, learningRate, temperature, seed } = options;
  return { encoder, imageSize, optimizer, learningRate, temperature, seed, augment: { ...options.augment, colorStrength: options.colorStrength } };
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => k in source).map((k) => [k, source[k]])) as Partial<Pick<T, K>>;
}
