/** Access to tfjs-backend-wasm's heap for kernels written in TypeScript (gradient-kernels, batch-norm, the data-parallel hand-off). */
import * as tf from '@tensorflow/tfjs';
import type { backend_util, DataId, DataType, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** The part of tfjs-backend-wasm's BackendWasm these kernels use (it is not exported as a type we can rely on). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: backend_util.BackendValues): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
  disposeData(dataId: DataId): boolean;
}

/** Kernel arguments as tfjs passes them (its own type marks attrs optional; these kernels always get them). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs: NamedAttrMap;
}

/** Float view of a tensor on the wasm heap. Re-fetch after any allocation: heap growth detaches old views. */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function wasmKernel(kernelName: string, fn: (args: KernelArgs) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: fn as unknown as KernelFunc };
}

/** Runs another wasm kernel directly, so composed kernels stay inside the wasm backend. */
export function runWasmKernel(name: string, backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}
