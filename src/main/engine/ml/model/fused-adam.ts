/**
 * tf.train.adam's update with every variable at once. tfjs's Adam runs about fourteen kernels per variable
 * (resnet-mini's 36 variables: about 500 a step, each its own GPU dispatch on WebGPU); this one concatenates
 * the gradients and the weights into one vector each, runs Adam's arithmetic once, and splits the result
 * back: a constant twenty-odd kernels whatever the network. The arithmetic is tfjs's own, operation for
 * operation, so the weights it computes are the same; its saved state has tfjs Adam's layout (iterations, then
 * each variable's first moment `<name>/m`, then each second moment `<name>/v`), so checkpoints of either load
 * into either.
 */
import * as tf from '@tensorflow/tfjs';
import { FlatLayout, flatConcat, namedGradients, type NamedTensor } from './flat-variables';

export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'FusedAdam';
  }

  readonly epsilon: number;
  /** The variables' order and shapes, fixed at the first update (or by restored state): moments match by position. */
  private layout: FlatLayout | null = null;
  private firstMoment: tf.Variable | null = null;
  private secondMoment: tf.Variable | null = null;
  private readonly accBeta1: tf.Variable;
  private readonly accBeta2: tf.Variable;

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    epsilon?: number,
  ) {
    super();
    this.epsilon = epsilon ?? tf.backend().epsilon();
    this.accBeta1 = tf.tidy(() => tf.scalar(beta1).variable(false));
    this.accBeta2 = tf.tidy(() => tf.scalar(beta2).variable(false));
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = namedGradients(variableGradients);
    this.layout ??= FlatLayout.ofUpdate(named);
    const layout = this.layout;
    const variables = layout.variablesOf(named, 'FusedAdam');
    tf.tidy(() => {
      const gradient = flatConcat(named.map(({ tensor }) => tensor));
      const value = flatConcat(variables);
      this.firstMoment ??= tf.zerosLike(value).variable(false);
      this.secondMoment ??= tf.zerosLike(value).variable(false);
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      // tfjs's Adam, term for term.
      const newFirstMoment = tf.add(tf.mul(this.firstMoment, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const newSecondMoment = tf.add(tf.mul(this.secondMoment, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
      const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
      this.firstMoment.assign(newFirstMoment);
      this.secondMoment.assign(newSecondMoment);
      const newValue = tf.add(tf.mul(tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), this.epsilon)), -this.learningRate), value);
      layout.assign(variables, newValue);
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }

  override dispose(): void {
    tf.dispose([this.accBeta1, this.accBeta2, ...(this.firstMoment ? [this.firstMoment] : []), ...(this.secondMoment ? [this.secondMoment] : [])]);
    this.firstMoment = this.secondMoment = null;
  }

  /** tfjs Adam's layout: new tensors per variable, which the caller frees (withOptimizerWeights does). */
  override async getWeights(): Promise<NamedTensor[]> {
    const iterations = await this.saveIterations();
    const { layout, firstMoment, secondMoment } = this;
    if (!layout || !firstMoment || !secondMoment) return [iterations];
    const weights = tf.tidy(() => [...layout.parts(firstMoment), ...layout.parts(secondMoment)]);
    const names = [...layout.names.map((name) => `${name}/m`), ...layout.names.map((name) => `${name}/v`)];
    return [iterations, ...weights.map((tensor, i) => ({ name: names[i]!, tensor }))];
  }

  /** Takes tfjs Adam's layout (this optimizer's or tf.train.adam's) and frees the tensors it is given. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    tf.tidy(() => {
      this.accBeta1.assign(tf.pow(this.beta1, this.iterations + 1));
      this.accBeta2.assign(tf.pow(this.beta2, this.iterations + 1));
    });
    tf.dispose([...(this.firstMoment ? [this.firstMoment] : []), ...(this.secondMoment ? [this.secondMoment] : [])]);
    const count = rest.length / 2;
    const first = rest.slice(0, count);
    this.layout = count === 0 ? null : new FlatLayout(first.map(({ name }) => name.replace(/\/m$/, '')), first.map(({ tensor }) => tensor.shape));
    const flat = (part: NamedTensor[]) => tf.tidy(() => flatConcat(part.map(({ tensor }) => tensor)).variable(false));
    this.firstMoment = count === 0 ? null : flat(first);
    this.secondMoment = count === 0 ? null : flat(rest.slice(count));
    tf.dispose(rest.map(({ tensor }) => tensor));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
