/**
 * The names pretraining options take, without zod, so the renderer can check values against them without
 * bundling the schemas (contract.ts re-exports them).
 */
export const encoderNames = ['resnet-tiny', 'resnet-mini', 'resnet18', 'resnet50'] as const;
export type EncoderName = (typeof encoderNames)[number];

/** Named starting points for pretraining; explicit options override a preset's values. */
export const pretrainPresetNames = ['cpu', 'balanced', 'paper'] as const;
export type PretrainPresetName = (typeof pretrainPresetNames)[number];
export const optimizerNames = ['adam', 'lars'] as const;
/** How LARS's default rate follows the batch size B: the paper's 0.075·√B, or its linear 0.3·B/256. */
export const lrScalings = ['sqrt', 'linear'] as const;
export type LrScaling = (typeof lrScalings)[number];
