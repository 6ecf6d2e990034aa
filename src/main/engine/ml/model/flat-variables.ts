/**
 * What the fused optimizers (fused-adam.ts, fused-lars.ts) share: a step's gradients as a list, and the
 * variables an update covers as one flat vector — each variable a stretch of it — and back.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs-core's NamedTensor, which @tensorflow/tfjs does not re-export. */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/** applyGradients' argument, a map or a list, as a list in its order. */
export function namedGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): NamedTensor[] {
  return Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name]! }));
}

/** Tensors of any shapes, end to end as one vector. */
export function flatConcat(tensors: tf.Tensor[]): tf.Tensor1D {
  return tf.concat(tensors.map((tensor) => tensor.reshape([-1]))) as tf.Tensor1D;
}

/** The variables an update covers, in order and with their shapes: fixed at the first update, matched by position. */
export class FlatLayout {
  readonly sizes: number[];

  constructor(
    readonly names: string[],
    readonly shapes: number[][],
  ) {
    this.sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  }

  /** The layout of the variables a first update's gradients name. */
  static ofUpdate(named: NamedTensor[]): FlatLayout {
    return new FlatLayout(
      named.map(({ name }) => name),
      named.map(({ name }) => tf.engine().registeredVariables[name]!.shape),
    );
  }

  /** This step's variables; each must have its gradient, and be the same ones in the same order as before. */
  variablesOf(named: NamedTensor[], optimizer: string): tf.Variable[] {
    if (named.length !== this.sizes.length || named.some(({ tensor }, i) => tensor == null || tensor.size !== this.sizes[i])) {
      throw new Error(`${optimizer} updates the same ${this.sizes.length} variables every step, each with a gradient`);
    }
    return named.map(({ name }) => tf.engine().registeredVariables[name]!);
  }

  /** A flat vector back as one tensor per variable, in their shapes. */
  parts(flat: tf.Tensor): tf.Tensor[] {
    return tf.split(flat, this.sizes).map((part, i) => part.reshape(this.shapes[i]!));
  }

  assign(variables: tf.Variable[], flat: tf.Tensor): void {
    this.parts(flat).forEach((part, i) => variables[i]!.assign(part));
  }
}
