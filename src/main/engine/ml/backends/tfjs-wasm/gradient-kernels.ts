/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks, registered for 'wasm' only so training
 * runs there. Conv2DBackpropFilter is on the hot path of every ResNet step, so it is built on wasm's fast
 * matmul; the rest are plain loops because training a ResNet never calls them often. wasm's own
 * Conv2DBackpropInput is a naive loop (~4 GFLOP/s, over half of a training step), so it is replaced by
 * one built on wasm's fast (XNNPACK) forward convolution.
 */
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { heapF32, runWasmKernel, wasmKernel, type KernelArgs, type WasmBackend } from './heap';

type Conv4D = [number, number, number, number];

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean): backend_util.Conv2DInfo {
  const { strides, pad, dimRoundingMode, dilations, dataFormat } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: number | [number, number];
    dataFormat?: string;
  };
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`only NHWC is supported, got ${dataFormat}`);
  return backend_util.computeConv2DInfo(xShape as Conv4D, filterShape as Conv4D, strides, dilations ?? 1, pad, dimRoundingMode, depthwise, 'channelsLast');
}

/**
 * Fills colsT [KH·KW·Cin, n] for images [b0, b0+nb): row (kh, kw, ci) holds, at every output position, the
 * input value that tap (kh, kw) sees in channel ci (0 in the padding). xT is x as [Cin, B, H, W], so each
 * row is copied from one contiguous channel plane.
 */
function gatherColumnsT(xT: Float32Array, colsT: Float32Array, info: backend_util.Conv2DInfo, b0: number, nb: number): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (sh === 1 && sw === 1 && OH === H && OW === W) return gatherShiftedPlanes(xT, colsT, info, b0, nb);
  const n = nb * OH * OW;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      // Output columns whose input column iw = ow*sw - left + kw lies inside the image.
      const owLo = Math.min(OW, Math.max(0, Math.ceil((left - kw) / sw)));
      const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 + left - kw) / sw) + 1));
      for (let c = 0; c < C; c++) {
        let d = ((kh * KW + kw) * C + c) * n;
        for (let b = b0; b < b0 + nb; b++) {
          const plane = (c * B + b) * H * W;
          for (let oh = 0; oh < OH; oh++, d += OW) {
            const ih = oh * sh - top + kh;
            if (ih < 0 || ih >= H) {
              colsT.fill(0, d, d + OW);
              continue;
            }
            for (let ow = 0; ow < owLo; ow++) colsT[d + ow] = 0;
            for (let ow = owHi; ow < OW; ow++) colsT[d + ow] = 0;
            let s = plane + ih * W + owLo * sw - left + kw;
            for (let ow = owLo; ow < owHi; ow++, s += sw) colsT[d + ow] = xT[s];
          }
        }
      }
    }
  }
}

/**
 * gatherColumnsT for stride 1 and 'same'-sized output, where a tap's row is the channel's planes shifted by
 * (kh − top)·W + (kw − left): one block copy per (tap, channel) for the whole chunk, then the rows and
 * columns that the shift took from outside an image are zeroed. Most of a ResNet's convolutions are this.
 */
function gatherShiftedPlanes(xT: Float32Array, colsT: Float32Array, info: backend_util.Conv2DInfo, b0: number, nb: number): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, filterHeight: KH, filterWidth: KW } = info;
  const { top, left } = info.padInfo;
  const plane = H * W;
  const n = nb * plane;
  for (let kh = 0; kh < KH; kh++) {
    const dh = kh - top;
    for (let kw = 0; kw < KW; kw++) {
      const dw = kw - left;
      const shift = dh * W + dw;
      // Output positions [lo, hi) of the chunk read inside the chunk's planes; the rest are zeroed below.
      const lo = Math.max(0, -shift);
      const hi = Math.min(n, n - shift);
      for (let c = 0; c < C; c++) {
        const d = ((kh * KW + kw) * C + c) * n;
        const src = (c * B + b0) * plane + shift;
        colsT.set(xT.subarray(src + lo, src + hi), d + lo);
        colsT.fill(0, d, d + lo);
        colsT.fill(0, d + hi, d + n);
        for (let b = 0; b < nb; b++) {
          const image = d + b * plane;
          // Rows whose input row oh + dh is outside the image.
          if (dh < 0) colsT.fill(0, image, image - dh * W);
          else if (dh > 0) colsT.fill(0, image + (H - dh) * W, image + plane);
          // Columns whose input column ow + dw is outside the image.
          if (dw !== 0) {
            const [c0, c1] = dw < 0 ? [0, -dw] : [W - dw, W];
            // A stripe of one or two values per row: plain stores beat a fill call each.
            for (let row = image; row < image + plane; row += W) for (let k = row + c0; k < row + c1; k++) colsT[k] = 0;
          }
        }
      }
    }
  }
}

/** Images per chunk so that one chunk's columns stay near 4M floats (16 MB) whatever the batch. */
const columnsPerChunk = 1 << 22;

/**
 * dW [KH·KW·Cin, Cout] = Σ over chunks of images of colsT [KH·KW·Cin, n] · dy [n, Cout]: one large matmul
 * per chunk, without transpose flags (wasm's transposeA path is ~10x slower), already in dW's layout.
 */
function conv2DBackpropFilter({ inputs, backend: be, attrs }: KernelArgs): TensorInfo {
  const backend = be as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const info = convInfo(x.shape, attrs.filterShape as number[], attrs, false);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) throw new Error('Conv2DBackpropFilter: dilations must be 1');
  const { batchSize: B, inChannels: Cin, outChannels: Cout, filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW } = info;
  const rows = KH * KW * Cin;
  const perImage = OH * OW;
  const imagesPerChunk = Math.max(1, Math.min(B, Math.floor(columnsPerChunk / (rows * perImage))));

  const xT = runWasmKernel('Transpose', backend, { x }, { perm: [3, 0, 1, 2] });
  const out = backend.makeOutput([KH, KW, Cin, Cout], 'float32');
  heapF32(backend, out).fill(0);
  for (let b0 = 0; b0 < B; b0 += imagesPerChunk) {
    const nb = Math.min(imagesPerChunk, B - b0);
    const n = nb * perImage;
    // Fresh tensors per chunk: wasm's matmul caches its packed right operand by tensor id.
    const colsT = backend.makeOutput([rows, n], 'float32');
    // One chunk reads dy in place through a 2-D view of the same data.
    const dyChunk: TensorInfo = nb === B ? { ...dy, shape: [n, Cout] } : backend.makeOutput([n, Cout], 'float32');
    gatherColumnsT(heapF32(backend, xT), heapF32(backend, colsT), info, b0, nb);
    if (nb !== B) heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(b0 * perImage * Cout, (b0 * perImage + n) * Cout));
    const prod = runWasmKernel('BatchMatMul', backend, { a: colsT, b: dyChunk }, { transposeA: false, transposeB: false });
    const acc = heapF32(backend, out);
    const p = heapF32(backend, prod);
    for (let i = 0; i < acc.length; i++) acc[i] += p[i];
    backend.disposeData(prod.dataId);
    backend.disposeData(colsT.dataId);
    if (nb !== B) backend.disposeData(dyChunk.dataId);
  }
  backend.disposeData(xT.dataId);
  return out;
}

/**
 * Visits every (input element, output element, filter element) triple of a depthwise convolution, so the
 * two depthwise gradients share one indexing loop.
 */
function forEachDepthwiseTap(info: backend_util.Conv2DInfo, visit: (xi: number, yi: number, wi: number) => void): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const mult = outChannels / C;
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh - info.padInfo.top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++)
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw - info.padInfo.left + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((b * H + ih) * W + iw) * C;
            const yBase = ((b * OH + oh) * OW + ow) * outChannels;
            const wBase = (kh * KW + kw) * C * mult;
            for (let c = 0; c < C; c++)
              for (let q = 0; q < mult; q++) visit(xBase + c, yBase + c * mult + q, wBase + c * mult + q);
          }
      }
}

function depthwiseBackpropInput({ inputs, backend: be, attrs }: KernelArgs): TensorInfo {
  const backend = be as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs, true);
  const dyV = heapF32(backend, dy);
  const wV = heapF32(backend, filter);
  const dx = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
  forEachDepthwiseTap(info, (xi, yi, wi) => (dx[xi] += dyV[yi] * wV[wi]));
  return backend.makeOutput(inputShape, 'float32', undefined, dx);
}

function depthwiseBackpropFilter({ inputs, backend: be, attrs }: KernelArgs): TensorInfo {
  const backend = be as unknown as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs, true);
  const xV = heapF32(backend, x);
  const dyV = heapF32(backend, dy);
  const dw = new Float32Array(filterShape.reduce((a, b) => a * b, 1));
  forEachDepthwiseTap(info, (xi, yi, wi) => (dw[wi] += xV[xi] * dyV[yi]));
  return backend.makeOutput(filterShape, 'float32', undefined, dw);
}

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped, as in TensorFlow. */
function unsortedSegmentSum({ inputs, backend: be, attrs }: KernelArgs): TensorInfo {
  const backend = be as unknown as WasmBackend;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = attrs.numSegments as number;
  const ids = backend.typedArrayFromHeap(segmentIds);
  const xV = backend.typedArrayFromHeap(x);
  const inner = xV.length / Math.max(1, ids.length);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    for (let j = 0; j < inner; j++) out[s * inner + j] += xV[i * inner + j];
  }
  return backend.makeOutput(outShape, x.dtype, undefined, out);
}

/**
 * dx = conv(dy dilated by the stride, filter rotated 180° with in/out channels swapped), padded so the
 * result has the input's size: the textbook identity, run on wasm's fast forward convolution.
 * Returns null when that padding would be negative (then the built-in kernel is used).
 */
function fastConv2DBackpropInput({ inputs, backend: be, attrs }: KernelArgs): TensorInfo | null {
  const backend = be as unknown as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const info = convInfo(attrs.inputShape as number[], filter.shape, attrs, false);
  const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, inChannels: Cin, outChannels: Cout } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const dilH = (OH - 1) * sh + 1;
  const dilW = (OW - 1) * sw + 1;
  const top = KH - 1 - info.padInfo.top;
  const left = KW - 1 - info.padInfo.left;
  const bottom = H - dilH + KH - 1 - top;
  const right = W - dilW + KW - 1 - left;
  if (Math.min(top, left, bottom, right) < 0) return null;

  const flipped = backend.makeOutput([KH, KW, Cout, Cin], 'float32');
  {
    const w = heapF32(backend, filter);
    const f = heapF32(backend, flipped);
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        for (let ci = 0; ci < Cin; ci++)
          for (let co = 0; co < Cout; co++) f[((kh * KW + kw) * Cout + co) * Cin + ci] = w[(((KH - 1 - kh) * KW + (KW - 1 - kw)) * Cin + ci) * Cout + co];
  }
  let source = dy;
  if (sh > 1 || sw > 1) {
    // Insert stride−1 zeros between dy's pixels (the heap is not zeroed, so fill first).
    source = backend.makeOutput([B, dilH, dilW, Cout], 'float32');
    const d = heapF32(backend, source).fill(0);
    const g = heapF32(backend, dy);
    for (let b = 0; b < B; b++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const s = ((b * OH + oh) * OW + ow) * Cout;
          d.set(g.subarray(s, s + Cout), ((b * dilH + oh * sh) * dilW + ow * sw) * Cout);
        }
  }
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const dx = runWasmKernel('Conv2D', backend, { x: source, filter: flipped }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as NamedAttrMap);
  backend.disposeData(flipped.dataId);
  if (source !== dy) backend.disposeData(source.dataId);
  return dx;
}

/** Marks our replacement so registering twice does not wrap it in itself. */
const replacedTag = Symbol('simclr-fast-conv2d-backprop-input');

/** Swaps wasm's Conv2DBackpropInput for the fast one, keeping the original as the fallback. */
function replaceConv2DBackpropInput(): boolean {
  const builtin = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!builtin || (builtin.kernelFunc as unknown as Record<symbol, boolean>)[replacedTag]) return false;
  const kernelFunc = ((args: KernelArgs) => fastConv2DBackpropInput(args) ?? builtin.kernelFunc(args as never)) as unknown as KernelFunc;
  (kernelFunc as unknown as Record<symbol, boolean>)[replacedTag] = true;
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ ...builtin, kernelFunc });
  return true;
}


const kernels: KernelConfig[] = [
  wasmKernel('Conv2DBackpropFilter', conv2DBackpropFilter),
  wasmKernel('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput),
  wasmKernel('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter),
  wasmKernel('UnsortedSegmentSum', unsortedSegmentSum),
];

/**
 * Registers the kernels above that the installed wasm backend does not already provide, and the fast
 * Conv2DBackpropInput; idempotent. Returns the names of the kernels it changed.
 */
export function installWasmGradientKernels(): string[] {
  const added: string[] = [];
  for (const config of kernels) {
    if (tf.getKernel(config.kernelName, 'wasm')) continue;
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  if (replaceConv2DBackpropInput()) added.push('Conv2DBackpropInput');
  return added;
}
