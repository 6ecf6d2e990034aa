/** Learning-rate schedule of SimCLR: linear warm-up, then cosine decay to zero. */

export interface ScheduleOptions {
  baseLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/** The learning rate for a 0-based step. */
export function learningRateAt(step: number, { baseLr, warmupSteps, totalSteps }: ScheduleOptions): number {
  // (step+1) so the first step already learns instead of taking a zero-sized step.
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  return 0.5 * baseLr * (1 + Math.cos(Math.PI * progress));
}

/** The paper's LARS learning rate for batch size B, linear scaling: 0.3 × B / 256. */
export function linearScaledLr(batchSize: number): number {
  return (0.3 * batchSize) / 256;
}

/** The paper's LARS learning rate for batch size B, square-root scaling (better for small batches): 0.075 × √B. */
export function sqrtScaledLr(batchSize: number): number {
  return 0.075 * Math.sqrt(batchSize);
}
