/**
 * The app's encoder and head weights as a PyTorch state dict, and back. The trainer names its modules after
 * the app's layers, so only the layouts differ: a conv kernel is [kh, kw, in, out] here and [out, in, kh, kw]
 * there, a dense kernel [in, out] here and [out, in] there; batch norm's gamma, beta and moving statistics are
 * PyTorch's weight, bias, running_mean and running_var.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../shared/contract';
import type { NamedArray } from './safetensors';

/** PyTorch's name for each of a layer's weights, in tfjs's order (layer.getWeights()). */
function torchNames(layer: tf.layers.Layer): string[] {
  switch (layer.getClassName()) {
    case 'Conv2D':
      return ['weight'];
    case 'Dense':
      return layer.getWeights().length === 2 ? ['weight', 'bias'] : ['weight'];
    case 'BatchNormalization':
      return ['weight', 'bias', 'running_mean', 'running_var'];
    default:
      if (layer.getWeights().length > 0) throw new Error(`no PyTorch layout for the ${layer.getClassName()} layer ${layer.name}`);
      return [];
  }
}

/** The permutation from the tfjs layout to PyTorch's, for a weight of this rank. */
function toTorchAxes(rank: number): number[] | null {
  if (rank === 4) return [3, 2, 0, 1];
  if (rank === 2) return [1, 0];
  return null;
}

/** The inverse permutation, from PyTorch's layout to tfjs's. */
function toTfjsAxes(rank: number): number[] | null {
  if (rank === 4) return [2, 3, 1, 0];
  if (rank === 2) return [1, 0];
  return null;
}

/**
 * Every weight of the model as `<prefix><layer>.<torch name>` in PyTorch's layout. Read asynchronously: on WebGPU a
 * synchronous read of a GPU tensor fails in Node.
 */
export async function torchStateOf(model: tf.LayersModel, prefix: string): Promise<Map<string, NamedArray>> {
  const state = new Map<string, NamedArray>();
  for (const layer of model.layers) {
    const names = torchNames(layer);
    const weights = layer.getWeights();
    for (const [index, weight] of weights.entries()) {
      const axes = toTorchAxes(weight.rank);
      const torch = axes ? tf.transpose(weight, axes) : weight;
      state.set(`${prefix}${layer.name}.${names[index]}`, { shape: torch.shape, data: (await torch.data()) as Float32Array });
      if (torch !== weight) torch.dispose();
    }
  }
  return state;
}

/** Sets every weight of the model from a state dict; a missing name or a wrong shape is an error naming it. */
export function loadTorchState(model: tf.LayersModel, prefix: string, state: Map<string, NamedArray>, where: string): void {
  for (const layer of model.layers) {
    const names = torchNames(layer);
    if (names.length === 0) continue;
    const current = layer.getWeights();
    const values = current.map((weight, index) => {
      const name = `${prefix}${layer.name}.${names[index]}`;
      const found = state.get(name);
      if (!found) throw new StudioError(`${where}: has no ${name}, which the ${model.name} needs`);
      const torchAxes = toTorchAxes(weight.rank);
      const torchShape = torchAxes ? torchAxes.map((axis) => weight.shape[axis]!) : weight.shape;
      if (found.shape.join(',') !== torchShape.join(',')) {
        throw new StudioError(`${where}: ${name} is [${found.shape.join(', ')}], the app's layer needs [${torchShape.join(', ')}]`);
      }
      return tf.tidy(() => {
        const tensor = tf.tensor(found.data, found.shape);
        const axes = toTfjsAxes(weight.rank);
        return axes ? tf.transpose(tensor, axes) : tensor;
      });
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}
