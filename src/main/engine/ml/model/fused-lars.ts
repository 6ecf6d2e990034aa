/**
 * LarsOptimizer's update (optimizer.ts) with every variable at once: the weights and gradients concatenated into
 * one vector each, each variable's norms taken as segment sums over its stretch of it, and its trust ratio
 * spread back over the stretch with one gather. About twenty kernels a step instead of about a dozen per
 * variable. Only the order in which a norm's squares are added differs from LarsOptimizer, so the weights agree
 * to float rounding; the saved state has LarsOptimizer's layout (iterations, then `momentum_<i>` per variable).
 */
import * as tf from '@tensorflow/tfjs';
import { LarsSettings, isExcludedFromLars } from './lars-rules';

type NamedTensor = { name: string; tensor: tf.Tensor };

interface Layout {
  names: string[];
  shapes: number[][];
  sizes: number[];
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
  return tf.unsortedSegmentSum(values, layout.segmentIds, layout.sizes.length);
}

export class FusedLarsOptimizer extends LarsSettings {
  static get className(): string {
    return 'FusedLARS';
  }

  private layout: Layout | null = null;
  private velocity: tf.Variable | null = null;

  private layoutFor(names: string[], shapes: number[][]): Layout {
    const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
    return tf.tidy(() => {
      const ids = new Int32Array(sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      sizes.forEach((size, i) => {
        ids.fill(i, offset, offset + size);
        offset += size;
      });
      const segmentIds = tf.tensor1d(ids, 'int32');
      const adapts = tf.tensor1d(names.map((name) => (isExcludedFromLars(name) ? 0 : 1)));
      const keep = <T extends tf.Tensor>(t: T) => tf.keep(t);
      return { names, shapes, sizes, segmentIds: keep(segmentIds), adapts: keep(adapts), adaptsPerElement: keep(tf.gather(adapts, segmentIds) as tf.Tensor1D) };
    });
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name]! }));
    const variables = named.map(({ name }) => tf.engine().registeredVariables[name]!);
    this.layout ??= this.layoutFor(named.map(({ name }) => name), variables.map((v) => v.shape));
    const layout = this.layout;
    if (named.length !== layout.sizes.length || named.some(({ tensor }, i) => tensor == null || tensor.size !== layout.sizes[i])) {
      throw new Error(`FusedLARS updates the same ${layout.sizes.length} variables every step, each with a gradient`);
    }
    tf.tidy(() => {
      const value = tf.concat(variables.map((v) => v.reshape([-1])));
      const rawGradient = tf.concat(named.map(({ tensor }) => tensor.reshape([-1])));
      this.velocity ??= tf.zerosLike(value).variable(false);
      const gradient = tf.add(rawGradient, tf.mul(tf.mul(value, this.weightDecay), layout.adaptsPerElement));
      const norm = (x: tf.Tensor) => tf.sqrt(segmentSums(tf.square(x) as tf.Tensor1D, layout));
      const [wNorm, gNorm] = [norm(value), norm(gradient)];
      const trust = tf.where(tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0)), tf.div(tf.mul(wNorm, this.eta), gNorm), tf.onesLike(wNorm));
      const rate = tf.mul(tf.where(tf.cast(layout.adapts, 'bool'), trust, tf.onesLike(trust)), this.learningRate);
      const next = tf.add(tf.mul(this.velocity, this.momentum), tf.mul(gradient, tf.gather(rate, layout.segmentIds)));
      this.velocity.assign(next);
      tf.split(tf.sub(value, next), layout.sizes).forEach((part, i) => variables[i]!.assign(part.reshape(layout.shapes[i]!)));
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
    const { sizes, shapes } = this.layout;
    const parts = tf.tidy(() => tf.split(this.velocity!, sizes).map((part, i) => part.reshape(shapes[i]!)));
    return [iterations, ...parts.map((tensor, i) => ({ name: `momentum_${i}`, tensor }))];
  }

  /**
   * Takes LarsOptimizer's layout and frees the tensors it is given. The variables' names come with the first
   * update, as they do for LarsOptimizer, whose saved momenta carry only their positions.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    if (rest.length > 0) this.velocity = tf.tidy(() => tf.concat(rest.map(({ tensor }) => tensor.reshape([-1]))).variable(false));
    tf.dispose(rest.map(({ tensor }) => tensor));
  }
}
