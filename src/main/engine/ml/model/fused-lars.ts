/**
 * LarsOptimizer's update (optimizer.ts) with every variable at once: the weights and gradients concatenated into
 * one vector each, each variable's norms taken as segment sums over its stretch of it, and its trust ratio
 * spread back over the stretch with one gather. About twenty kernels a step instead of about a dozen per
 * variable. Only the order in which a norm's squares are added differs from LarsOptimizer, so the weights agree
 * to float rounding; the saved state has LarsOptimizer's layout (iterations, then `momentum_<i>` per variable).
 */
import * as tf from '@tensorflow/tfjs';
import { FlatLayout, flatConcat, namedGradients, type NamedTensor } from './flat-variables';
import { LarsSettings, isExcludedFromLars } from './lars-rules';

/** The flat layout with what LARS needs of it: which stretch is which variable, and which variables it adapts. */
interface Layout {
  flat: FlatLayout;
  /** For each element of the flat vector, which variable it belongs to (sorted, as sparseSegmentSum needs). */
  segmentIds: tf.Tensor1D;
  /** Per variable: 1 where weight decay and the trust ratio apply, 0 for batch norm and biases. */
  adapts: tf.Tensor1D;
  /** Per element: the same, spread over each variable's stretch. */
  adaptsPerElement: tf.Tensor1D;
}

/**
 * Each variable's sum over its stretch of a flat vector. WebGPU's sparseSegmentSum reads its inputs back to the
 * CPU (a stall, and a failure in Node), so WebGPU and the CPU take unsortedSegmentSum, which wasm lacks; wasm
 * takes sparseSegmentSum, which it runs natively.
 */
function segmentSums(values: tf.Tensor1D, layout: Layout): tf.Tensor1D {
  if (tf.getBackend() === 'wasm') return tf.sparse.sparseSegmentSum(values, tf.range(0, values.size, 1, 'int32'), layout.segmentIds) as tf.Tensor1D;
  return tf.unsortedSegmentSum(values, layout.segmentIds, layout.flat.sizes.length);
}

export class FusedLarsOptimizer extends LarsSettings {
  static get className(): string {
    return 'FusedLARS';
  }

  private layout: Layout | null = null;
  private velocity: tf.Variable | null = null;

  private layoutFor(flat: FlatLayout): Layout {
    const [segmentIds, adapts, adaptsPerElement] = tf.tidy(() => {
      const ids = new Int32Array(flat.sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      flat.sizes.forEach((size, i) => {
        ids.fill(i, offset, offset + size);
        offset += size;
      });
      const ids1d = tf.tensor1d(ids, 'int32');
      const perVariable = tf.tensor1d(flat.names.map((name) => (isExcludedFromLars(name) ? 0 : 1)));
      return [ids1d, perVariable, tf.gather(perVariable, ids1d) as tf.Tensor1D];
    });
    return { flat, segmentIds, adapts, adaptsPerElement };
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = namedGradients(variableGradients);
    this.layout ??= this.layoutFor(FlatLayout.ofUpdate(named));
    const layout = this.layout;
    const variables = layout.flat.variablesOf(named, 'FusedLARS');
    tf.tidy(() => {
      const value = flatConcat(variables);
      const rawGradient = flatConcat(named.map(({ tensor }) => tensor));
      this.velocity ??= tf.zerosLike(value).variable(false);
      const gradient = tf.add(rawGradient, tf.mul(tf.mul(value, this.weightDecay), layout.adaptsPerElement));
      const norm = (x: tf.Tensor) => tf.sqrt(segmentSums(tf.square(x) as tf.Tensor1D, layout));
      const [wNorm, gNorm] = [norm(value), norm(gradient)];
      const trust = tf.where(tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0)), tf.div(tf.mul(wNorm, this.eta), gNorm), tf.onesLike(wNorm));
      const rate = tf.mul(tf.where(tf.cast(layout.adapts, 'bool'), trust, tf.onesLike(trust)), this.learningRate);
      const next = tf.add(tf.mul(this.velocity, this.momentum), tf.mul(gradient, tf.gather(rate, layout.segmentIds)));
      this.velocity.assign(next);
      layout.flat.assign(variables, tf.sub(value, next));
    });
    this.incrementIterations();
  }

  override dispose(): void {
    if (this.layout) tf.dispose([this.layout.segmentIds, this.layout.adapts, this.layout.adaptsPerElement]);
    if (this.velocity) this.velocity.dispose();
    this.layout = null;
    this.velocity = null;
  }

  /** LarsOptimizer's layout: new tensors per variable, which the caller frees (withOptimizerWeights does). */
  override async getWeights(): Promise<NamedTensor[]> {
    const iterations = await this.saveIterations();
    if (!this.layout || !this.velocity) return [iterations];
    const { flat } = this.layout;
    const velocity = this.velocity;
    const parts = tf.tidy(() => flat.parts(velocity));
    return [iterations, ...parts.map((tensor, i) => ({ name: `momentum_${i}`, tensor }))];
  }

  /**
   * Takes LarsOptimizer's layout and frees the tensors it is given. The variables' names come with the first
   * update, as they do for LarsOptimizer, whose saved momenta carry only their positions.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    if (rest.length > 0) this.velocity = tf.tidy(() => flatConcat(rest.map(({ tensor }) => tensor)).variable(false));
    tf.dispose(rest.map(({ tensor }) => tensor));
  }
}
