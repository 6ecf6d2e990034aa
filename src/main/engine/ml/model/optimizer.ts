/**
 * Optimisers for pretraining: Adam for small batches, and LARS (You et al. 2017) as SimCLR uses for large
 * batches. Both expose a settable learning rate so the schedule can change it every step.
 */
import * as tf from '@tensorflow/tfjs';

export type OptimizerKind = 'adam' | 'lars';

/** tfjs-core's NamedTensor, which @tensorflow/tfjs does not re-export. */
type NamedTensor = { name: string; tensor: tf.Tensor };

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

/**
 * SimCLR's LARS: g ← g + wd·w; lr' = lr·η‖w‖/‖g‖ (1 when a norm is 0); v ← m·v + lr'·g; w ← w − v.
 * Momentum buffers are matched to variables by position, like tf's Adam, so a restored optimizer works
 * with a reloaded model whose variables got new unique names.
 */
export class LarsOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'LARS';
  }
  readonly momentum: number;
  readonly weightDecay: number;
  readonly eta: number;
  private momenta: tf.Variable[] = [];

  constructor(
    public learningRate: number,
    { momentum = 0.9, weightDecay = 1e-6, eta = 0.001 }: LarsOptions = {},
  ) {
    super();
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.eta = eta;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    named.forEach(({ name, tensor: grad }, i) => {
      if (grad == null) return;
      const variable = tf.engine().registeredVariables[name];
      this.momenta[i] ??= tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
      const velocity = this.momenta[i];
      tf.tidy(() => {
        let g = grad;
        let lr: tf.Scalar | number = this.learningRate;
        if (!isExcludedFromLars(name)) {
          g = grad.add(variable.mul(this.weightDecay));
          const wNorm = tf.norm(variable);
          const gNorm = tf.norm(g);
          const trust = tf.where(wNorm.greater(0).logicalAnd(gNorm.greater(0)), wNorm.mul(this.eta).div(gNorm), tf.onesLike(wNorm));
          lr = trust.mul(this.learningRate) as tf.Scalar;
        }
        const next = velocity.mul(this.momentum).add(g.mul(lr));
        velocity.assign(next);
        variable.assign(variable.sub(next));
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    tf.dispose(this.momenta);
    this.momenta = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...this.momenta.map((v, i) => ({ name: `momentum_${i}`, tensor: v }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    tf.dispose(this.momenta);
    this.momenta = rest.map((w) => tf.variable(w.tensor, false));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay, eta: this.eta };
  }
}

export function createOptimizer(kind: OptimizerKind, learningRate: number): tf.Optimizer {
  return kind === 'lars' ? new LarsOptimizer(learningRate) : tf.train.adam(learningRate);
}

/**
 * Lends the optimizer's state (tf's getWeights) to `use`. getWeights makes a new 'iter' scalar on every call
 * beside the state variables themselves; it is freed afterwards, so saving state leaks nothing.
 */
export async function withOptimizerWeights<T>(optimizer: tf.Optimizer, use: (weights: NamedTensor[]) => Promise<T> | T): Promise<T> {
  const weights = await optimizer.getWeights();
  try {
    return await use(weights);
  } finally {
    tf.dispose(weights.map((w) => w.tensor).filter((tensor) => !(tensor instanceof tf.Variable)));
  }
}

/** Changes the step size used from the next update on; tf's optimizers read `learningRate` on every step. */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
