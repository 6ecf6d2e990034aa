/**
 * Less of the forward pass kept alive for backprop, on the wasm training path where memory is the limit.
 * - The tape keeps clones of what each gradient needs, and wasm's Identity (which clone runs) copies the
 *   data, so every saved activation existed two or three times; here Identity shares the data by reference
 *   count, as the cpu backend's does.
 * - ReLU's gradient is taken from its output, which the next convolution keeps anyway, instead of its input
 *   (dx = dy where relu(x) > 0: the same mask). This override is process-wide and exact on every backend.
 * - The residual Add of two same-shape tensors keeps nothing, where tfjs keeps both inputs to undo
 *   broadcasting.
 * The ReLU and Add changes drop two activations per ResNet block.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs';
import { wasmKernel, type KernelArgs } from './wasm-heap';

/** Same data, one more reference: wasm kernels never write into their inputs, so sharing is safe. */
function sharedIdentity({ inputs, backend }: KernelArgs): TensorInfo {
  const { x } = inputs;
  (backend as { incRef(dataId: unknown): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const sharedTag = Symbol('simclr-shared-identity');

function replaceIdentity(): boolean {
  const builtin = tf.getKernel('Identity', 'wasm');
  if (!builtin || (builtin.kernelFunc as unknown as Record<symbol, boolean>)[sharedTag]) return false;
  const kernelFunc = ((args: KernelArgs) => (args.inputs.x.dtype === 'string' ? builtin.kernelFunc(args as never) : sharedIdentity(args))) as unknown as Record<symbol, boolean>;
  kernelFunc[sharedTag] = true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...wasmKernel('Identity', kernelFunc as never) });
  return true;
}

/** dx = dy where relu's output is positive; wasm's Step and Multiply are fast, where a JS loop over a random mask is not. */
function reluGradient(dy: Tensor | Tensor[], saved: Tensor[]) {
  const [y] = saved;
  return { x: () => tf.mul(dy as Tensor, tf.step(y)) };
}

/** The sum of same-shape tensors whose gradient (dy for every term) needs nothing saved. */
const residualSum = tf.customGrad(((a: Tensor, b: Tensor) => ({
  value: tf.add(a, b),
  gradFunc: (dy: Tensor) => [dy.clone(), dy.clone()],
})) as never) as unknown as (a: Tensor, b: Tensor) => Tensor;

const replacedTag = Symbol('simclr-residual-add');

/** Routes tfjs-layers' Add layer on wasm through residualSum when it adds two tensors of one shape. */
function replaceAddLayerMerge(): boolean {
  const proto = Object.getPrototypeOf(tf.layers.add({})) as { mergeFunction(inputs: Tensor[]): Tensor } & Record<symbol, boolean>;
  if (proto[replacedTag]) return false;
  const original = proto.mergeFunction;
  proto.mergeFunction = function (this: unknown, inputs: Tensor[]) {
    const [a, b] = inputs;
    const sameShape = inputs.length === 2 && a.dtype === 'float32' && b.dtype === 'float32' && tf.util.arraysEqual(a.shape, b.shape);
    return sameShape && tf.getBackend() === 'wasm' ? residualSum(a, b) : original.call(this, inputs);
  };
  proto[replacedTag] = true;
  return true;
}

let reluGradientReplaced = false;

/** Registers all three; idempotent. Returns what it changed. */
export function registerWasmLeanMemory(): string[] {
  const changed: string[] = [];
  if (replaceIdentity()) changed.push('Identity');
  if (!reluGradientReplaced) {
    reluGradientReplaced = true;
    tf.registerGradient({ kernelName: 'Relu', outputsToSave: [true], gradFunc: reluGradient as never });
    changed.push('Relu gradient');
  }
  if (replaceAddLayerMerge()) changed.push('Add.mergeFunction');
  return changed;
}
