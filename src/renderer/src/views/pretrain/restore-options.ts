import type { AugmentSettings } from '../../../../shared/contract';
import { encoderNames, lrScalings, optimizerNames, pretrainPresetNames, type EncoderName, type LrScaling, type PretrainPresetName } from '../../../../shared/pretrain-vocabulary';

/** The form's fields as a past run asked for them; a field the run did not set (or set oddly) is absent. */
export interface RestoredPretrainFields {
  preset?: PretrainPresetName;
  encoder?: EncoderName;
  epochs?: number;
  batchSize?: number;
  imageSize?: number;
  temperature?: number;
  optimizer?: 'adam' | 'lars';
  learningRate?: number;
  lrScaling?: LrScaling;
  colorStrength?: number;
  timeBudgetSeconds?: number;
  microBatchSize?: number;
  augment?: AugmentSettings;
}

const oneOf = <T extends string>(names: readonly T[], value: unknown): T | undefined => (names as readonly unknown[]).includes(value) ? (value as T) : undefined;
const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const range = (value: unknown): [number, number] | undefined => {
  const pair = Array.isArray(value) && value.length === 2 ? value.map(finite) : [];
  return pair.length === 2 && pair[0] !== undefined && pair[1] !== undefined ? [pair[0], pair[1]] : undefined;
};

/** Reads a run's stored options (as the engine recorded the request) back into the form's fields. */
export function restorablePretrainFields(options: Record<string, unknown> | null): RestoredPretrainFields {
  if (!options) return {};
  const augment = (typeof options.augment === 'object' && options.augment !== null ? options.augment : {}) as Record<string, unknown>;
  return {
    preset: oneOf(pretrainPresetNames, options.preset),
    encoder: oneOf(encoderNames, options.encoder),
    epochs: finite(options.epochs),
    batchSize: finite(options.batchSize),
    imageSize: finite(options.imageSize),
    temperature: finite(options.temperature),
    optimizer: oneOf(optimizerNames, options.optimizer),
    learningRate: finite(options.learningRate),
    lrScaling: oneOf(lrScalings, options.lrScaling),
    colorStrength: finite(options.colorStrength),
    timeBudgetSeconds: finite(options.timeBudgetSeconds),
    microBatchSize: finite(options.microBatchSize),
    augment: {
      flipProb: finite(augment.flipProb),
      colorJitterProb: finite(augment.colorJitterProb),
      grayscaleProb: finite(augment.grayscaleProb),
      blurProb: finite(augment.blurProb),
      cropScale: range(augment.cropScale),
    },
  };
}
