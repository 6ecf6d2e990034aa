/**
 * Less of the forward pass kept alive for backprop, on the wasm training path where memory is the limit.
 * - The tape keeps clones of what each gradient needs, and wasm's Identity (which clone runs) copies the
 *   data, so every saved activation existed two or three times; here Identity shares the data by reference
 *   count, as the cpu backend's does.
 * - ReLU's gradient is taken from its output, which the next convolution keeps anyway, instead of its input
 *   (dx = dy where relu(x) > 0: the same mask). tfjs keeps one gradient per kernel for all backends, so the
 *   registered one does this on wasm only and is tfjs's own everywhere else.
 * - The residual Add of two same-shape tensors keeps nothing, where tfjs keeps both inputs to undo
 *   broadcasting.
 * The ReLU and Add changes drop two activations per ResNet block.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs';
import { wasmKernel, type KernelArgs } from './heap';

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

const onWasm = () => tf.getBackend() === 'wasm';

/**
 * ReLU's gradient: on wasm dx = dy where relu's output is positive (wasm's Step and Multiply are fast, where a
 * JS loop over a random mask is not), elsewhere tfjs's own. tfjs reads what to save each time a Relu runs
 * under a tape, so the getters choose per backend; the backward pass runs on the backend its forward ran on.
 */
function wasmOnlyReluGradient(pristine: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: 'Relu',
    get inputsToSave() {
      return onWasm() ? [] : pristine.inputsToSave;
    },
    get outputsToSave() {
      return onWasm() ? [true] : pristine.outputsToSave;
    },
    gradFunc: (dy, saved, attrs) => (onWasm() ? { x: () => tf.mul(dy as Tensor, tf.step(saved[0])) } : pristine.gradFunc(dy, saved, attrs)),
  };
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
    return sameShape && onWasm() ? residualSum(a, b) : original.call(this, inputs);
  };
  proto[replacedTag] = true;
  return true;
}

const reluTag = Symbol('simclr-wasm-relu-gradient');

function replaceReluGradient(): boolean {
  const pristine = tf.getGradient('Relu') as (tf.GradConfig & Record<symbol, boolean>) | undefined;
  if (!pristine || pristine[reluTag]) return false;
  tf.registerGradient(Object.assign(wasmOnlyReluGradient(pristine), { [reluTag]: true }));
  return true;
}

/** Installs all three; idempotent. Returns what it changed. */
export function installWasmLeanMemory(): string[] {
  const changed: string[] = [];
  if (replaceIdentity()) changed.push('Identity');
  if (replaceReluGradient()) changed.push('Relu gradient');
  if (replaceAddLayerMerge()) changed.push('Add.mergeFunction');
  return changed;
}
