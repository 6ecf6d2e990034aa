/**
 * Optimisers for pretraining: Adam for small batches, and LARS (You et al. 2017) as SimCLR uses for large
 * batches. Both expose a settable learning rate so the schedule can change it every step.
 */
import * as tf from '@tensorflow/tfjs';
import { namedGradients, type NamedTensor } from './flat-variables';
import { FusedAdamOptimizer } from './fused-adam';
import { FusedLarsOptimizer } from './fused-lars';
import { LarsSettings, isExcludedFromLars } from './lars-rules';

export type OptimizerKind = 'adam' | 'lars';

/**
 * SimCLR's LARS: g ← g + wd·w; lr' = lr·η‖w‖/‖g‖ (1 when a norm is 0); v ← m·v + lr'·g; w ← w − v.
 * Momentum buffers are matched to variables by position, like tf's Adam, so a restored optimizer works
 * with a reloaded model whose variables got new unique names.
 */
export class LarsOptimizer extends LarsSettings {
  static get className(): string {
    return 'LARS';
  }
  private momenta: tf.Variable[] = [];

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    namedGradients(variableGradients).forEach(({ name, tensor: grad }, i) => {
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
}

/**
 * Whether one update over all variables beats one per variable on the active backend. On WebGPU every kernel is
 * its own dispatch, so the fused forms' constant twenty-odd kernels replace about fourteen per variable. On wasm
 * and the CPU a kernel costs little to start and per-variable vectors stay in cache: measured on resnet-mini
 * (bench:train --profile), the fused Adam update takes 130–230 ms of wasm time where tfjs's takes 43 ms.
 */
export function fusedUpdatesPay(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * Adam or LARS. The fused forms (fused-adam.ts, fused-lars.ts) do the same arithmetic as tf.train.adam and
 * LarsOptimizer and save their state in the same layout, so a checkpoint resumes on any backend.
 */
export function createOptimizer(kind: OptimizerKind, learningRate: number, fused = fusedUpdatesPay()): tf.Optimizer {
  if (kind === 'lars') return fused ? new FusedLarsOptimizer(learningRate) : new LarsOptimizer(learningRate);
  return fused ? new FusedAdamOptimizer(learningRate) : tf.train.adam(learningRate);
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
