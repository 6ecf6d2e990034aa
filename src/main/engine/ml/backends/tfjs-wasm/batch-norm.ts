/**
 * Training-mode batch normalisation as one wasm kernel with a one-kernel gradient. tfjs-layers builds it
 * from moments + FusedBatchNorm, whose gradients tile mean and variance to the full activation shape and
 * run a dozen full-size ops per layer (a fifth of a ResNet step on wasm); this does two passes backward.
 * Channels are the last axis; variance is the biased one, as tfjs-layers uses for its moving average.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import { heapF32, runWasmKernel, wasmKernel, type KernelArgs, type WasmBackend } from './heap';

const forwardKernel = 'SimclrBatchNormTraining';
const backwardKernel = 'SimclrBatchNormTrainingGrad';

/**
 * Per-channel mean and biased variance of x [rows, C] in one pass, as E[x²] − E[x]² with float64 sums: exact
 * enough unless |mean| exceeds the spread by ~10⁶, which activations after a convolution never do.
 */
function channelMoments(x: Float32Array, C: number): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.length; i += C)
    for (let c = 0; c < C; c++) {
      const v = x[i + c];
      mean[c] += v;
      variance[c] += v * v;
    }
  for (let c = 0; c < C; c++) {
    mean[c] /= rows;
    variance[c] = Math.max(0, variance[c] / rows - mean[c] * mean[c]);
  }
  return { mean, variance };
}

/** Outputs y = γ·(x − μ)/√(σ² + ε) + β, μ [C], σ² [C]; y = x·scale + shift runs on wasm's SIMD Multiply and Add. */
function batchNormTraining({ inputs, backend: be, attrs }: KernelArgs): TensorInfo[] {
  const backend = be as unknown as WasmBackend;
  const { x, gamma, beta } = inputs;
  const C = x.shape[x.shape.length - 1];
  const { mean, variance } = channelMoments(heapF32(backend, x), C);
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  {
    const g = heapF32(backend, gamma);
    const b = heapF32(backend, beta);
    for (let c = 0; c < C; c++) {
      scale[c] = g[c] / Math.sqrt(variance[c] + (attrs.epsilon as number));
      shift[c] = b[c] - mean[c] * scale[c];
    }
  }
  const scaleT = backend.makeOutput([C], 'float32', undefined, scale);
  const shiftT = backend.makeOutput([C], 'float32', undefined, shift);
  const scaled = runWasmKernel('Multiply', backend, { a: x, b: scaleT });
  const y = runWasmKernel('Add', backend, { a: scaled, b: shiftT });
  for (const t of [scaleT, shiftT, scaled]) backend.disposeData(t.dataId);
  return [y, backend.makeOutput([C], 'float32', undefined, Float32Array.from(mean)), backend.makeOutput([C], 'float32', undefined, Float32Array.from(variance))];
}

/**
 * With x̂ = (x − μ)/σ: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/(σN)·(N·dy − dβ − x̂·dγ), the gradient through μ and σ
 * included (Ioffe & Szegedy 2015).
 */
function batchNormTrainingGrad({ inputs, backend: be, attrs }: KernelArgs): TensorInfo[] {
  const backend = be as unknown as WasmBackend;
  const { dy, x, mean, variance, gamma } = inputs;
  const C = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((a, b) => a * b, 1) / C;
  const mu = Float64Array.from(heapF32(backend, mean));
  const invStd = Float64Array.from(heapF32(backend, variance), (v) => 1 / Math.sqrt(v + (attrs.epsilon as number)));
  const g = Float64Array.from(heapF32(backend, gamma));
  const dBeta = new Float64Array(C);
  const dGamma = new Float64Array(C);
  const dyv = heapF32(backend, dy);
  const xv = heapF32(backend, x);
  for (let i = 0; i < xv.length; i += C)
    for (let c = 0; c < C; c++) {
      dBeta[c] += dyv[i + c];
      dGamma[c] += dyv[i + c] * (xv[i + c] - mu[c]);
    }
  for (let c = 0; c < C; c++) dGamma[c] *= invStd[c];
  // dx = a·dy + b·x + k per channel, the terms of the formula above regrouped so the last pass is one FMA.
  const a = new Float32Array(C);
  const b = new Float32Array(C);
  const k = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    a[c] = g[c] * invStd[c];
    b[c] = (-a[c] * dGamma[c] * invStd[c]) / rows;
    k[c] = (-a[c] * dBeta[c]) / rows - b[c] * mu[c];
  }
  const dx = backend.makeOutput(x.shape, 'float32');
  const out = heapF32(backend, dx);
  const dyv2 = heapF32(backend, dy);
  const xv2 = heapF32(backend, x);
  for (let i = 0; i < xv2.length; i += C) for (let c = 0; c < C; c++) out[i + c] = a[c] * dyv2[i + c] + b[c] * xv2[i + c] + k[c];
  return [dx, backend.makeOutput([C], 'float32', undefined, Float32Array.from(dGamma)), backend.makeOutput([C], 'float32', undefined, Float32Array.from(dBeta))];
}

/** [y, mean, variance] of training-mode batch norm over every axis but the last. */
export function batchNormTrainingOp(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): [Tensor, Tensor, Tensor] {
  return tf.engine().runKernel(forwardKernel, { x, gamma, beta }, { epsilon } as unknown as NamedAttrMap) as unknown as [Tensor, Tensor, Tensor];
}

/**
 * One backward kernel serves x, γ and β. It runs here rather than lazily in the per-input functions: the
 * engine wraps each of those in its own tidy, which would dispose the other two results.
 */
function gradientOfBatchNormTraining(dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) {
  // The mean and variance outputs feed only the moving averages (variable writes), so they carry no gradient.
  const dy = (Array.isArray(dys) ? dys[0] : dys) as Tensor;
  const [x, gamma, mean, variance] = saved;
  const [dx, dGamma, dBeta] = tf.engine().runKernel(backwardKernel, { dy, x, mean, variance, gamma }, attrs) as unknown as Tensor[];
  return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
}

/** What a tfjs-layers BatchNormalization instance exposes that the replacement needs. */
interface BatchNormLayer {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor;
}

const replacedTag = Symbol('simclr-batch-norm');

/**
 * Routes tfjs-layers' BatchNormalization in training mode on wasm through the kernel above (same outputs,
 * same moving-average update); every other case keeps the layer's own code.
 */
function replaceBatchNormLayerCall(): boolean {
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormLayer & Record<symbol, boolean>;
  if (proto[replacedTag]) return false;
  const original = proto.call;
  proto.call = function (this: BatchNormLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = this.axis === -1 || this.axis === x.rank - 1;
    if (!kwargs.training || tf.getBackend() !== 'wasm' || !lastAxis || !this.gamma || !this.beta || x.dtype !== 'float32') {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTrainingOp(x, this.gamma!.read(), this.beta!.read(), this.epsilon);
      for (const [moving, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        const current = moving.read();
        moving.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
      }
      return y;
    });
  };
  proto[replacedTag] = true;
  return true;
}

/** Registers the kernels, the gradient and the layer routing; idempotent. Returns what it registered. */
export function installWasmBatchNorm(): string[] {
  const added: string[] = [];
  if (!tf.getKernel(forwardKernel, 'wasm')) {
    tf.registerKernel(wasmKernel(forwardKernel, batchNormTraining));
    tf.registerKernel(wasmKernel(backwardKernel, batchNormTrainingGrad));
    tf.registerGradient({ kernelName: forwardKernel, inputsToSave: ['x', 'gamma'], outputsToSave: [false, true, true], gradFunc: gradientOfBatchNormTraining as never });
    added.push(forwardKernel);
  }
  if (replaceBatchNormLayerCall()) added.push('BatchNormalization.call');
  return added;
}
