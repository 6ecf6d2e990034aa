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

/** Where a run stands on its schedule: the steps it has trained, and the time a budget allows it. */
export interface ScheduleClock {
  /** The schedule step this session started at (0, or where a resumed run had got to). */
  startStep: number;
  /** Steps trained in this session. */
  stepsDone: number;
  totalSteps: number;
  secondsElapsed: number;
  budgetSeconds?: number;
}

/**
 * The schedule's step: one per step trained, or further along where a time budget will end the run before its
 * steps do, so that warm-up and the cosine decay fit the budget and the rate reaches zero as it runs out.
 * The rest of the schedule (from startStep) is spread over the budget.
 */
export function scheduledStep({ startStep, stepsDone, totalSteps, secondsElapsed, budgetSeconds }: ScheduleClock): number {
  const bySteps = startStep + stepsDone;
  if (budgetSeconds === undefined) return bySteps;
  const byTime = startStep + Math.floor((totalSteps - startStep) * Math.min(1, secondsElapsed / budgetSeconds));
  return Math.max(bySteps, byTime);
}

/** The paper's LARS learning rate for batch size B, linear scaling: 0.3 × B / 256. */
export function linearScaledLr(batchSize: number): number {
  return (0.3 * batchSize) / 256;
}

/** The paper's LARS learning rate for batch size B, square-root scaling (better for small batches): 0.075 × √B. */
export function sqrtScaledLr(batchSize: number): number {
  return 0.075 * Math.sqrt(batchSize);
}
