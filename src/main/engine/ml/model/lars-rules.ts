/** What LARS adapts and its settings, shared by LarsOptimizer (optimizer.ts) and its fused form (fused-lars.ts). */
import * as tf from '@tensorflow/tfjs';

/** Batch-norm parameters and biases get neither weight decay nor trust-ratio adaptation (as in SimCLR). */
export function isExcludedFromLars(variableName: string): boolean {
  return /batch_normalization|gamma|beta|bias/.test(variableName);
}

export interface LarsOptions {
  momentum?: number;
  weightDecay?: number;
  /** Trust coefficient η. */
  eta?: number;
}

/** The settings both LARS optimizers keep, and their config (what tf.Optimizer's serialisation asks for). */
export abstract class LarsSettings extends tf.Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly eta: number;

  constructor(
    public learningRate: number,
    { momentum = 0.9, weightDecay = 1e-6, eta = 0.001 }: LarsOptions = {},
  ) {
    super();
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.eta = eta;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay, eta: this.eta };
  }
}
