/**
 * SimCLR's data augmentation (Chen et al. 2020, appendix A), batched on tensors. Per-image parameters are
 * drawn on the JS side from a seeded Rng (so a run is reproducible) and then applied with batched ops.
 *
 * Input: float32 [B, H, W, 3] with values in [0, 1]. Output: float32 [B, S, S, 3] in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { defaultCropScale } from '../../../../shared/augment-defaults';
import type { Rng } from '../rng';

export interface AugmentOptions {
  /** Random-resized-crop area fraction. Default [0.08, 1], or [0.2, 1] when the output side is ≤ 32 px. */
  cropScale?: [number, number];
  /** Crop aspect-ratio range, sampled log-uniformly. Default [3/4, 4/3]. */
  cropRatio?: [number, number];
  /** Horizontal flip probability. Default 0.5. */
  flipProb?: number;
  /** Colour-distortion strength s: brightness/contrast/saturation ±0.8s, hue ±0.2s. Default 0.5 (paper: 1.0 for ImageNet, 0.5 for CIFAR). */
  colorStrength?: number;
  /** Probability of colour jitter. Default 0.8. */
  colorJitterProb?: number;
  /** Probability of converting to grayscale. Default 0.2. */
  grayscaleProb?: number;
  /** Gaussian-blur probability. Default 0.5; blur is never applied at output sides ≤ 32 px. */
  blurProb?: number;
  /** Gaussian-blur sigma range in pixels. Default [0.1, 2.0]. */
  blurSigma?: [number, number];
}

export type JitterOp = 'brightness' | 'contrast' | 'saturation' | 'hue';

export interface ColorJitter {
  /** The four adjustments in the order applied (random per image, as in the paper's code). */
  order: JitterOp[];
  brightness: number;
  contrast: number;
  saturation: number;
  /** Hue shift as a fraction of the colour wheel. */
  hue: number;
}

/** Everything random about one augmented view of one image. */
export interface ViewParams {
  /** Normalised crop box [y1, x1, y2, x2]; x1 > x2 encodes a horizontal flip for cropAndResize. */
  box: [number, number, number, number];
  flip: boolean;
  jitter: ColorJitter | null;
  grayscale: boolean;
  blurSigma: number | null;
}

/** Blur is pointless (and the paper omits it) on CIFAR-sized images. */
const maxUnblurredSide = 32;

/** Side of the blur kernel for views of side S: odd, about S/10 as in the paper's code; 0 (no blur) at S ≤ 32. */
export function blurKernelSize(side: number): number {
  if (side <= maxUnblurredSide) return 0;
  return 2 * Math.max(1, Math.floor(Math.floor(side / 10) / 2)) + 1;
}

/** Rec. 601 luma weights, used for grayscale, saturation and contrast. */
const luma = [0.299, 0.587, 0.114];

/** Every option with its default filled in for views of side outSize: the ranges a view's parameters are drawn from. */
export function resolveAugmentOptions(options: AugmentOptions, outSize: number): Required<AugmentOptions> {
  return {
    cropScale: options.cropScale ?? defaultCropScale(outSize),
    cropRatio: options.cropRatio ?? [3 / 4, 4 / 3],
    flipProb: options.flipProb ?? 0.5,
    colorStrength: options.colorStrength ?? 0.5,
    colorJitterProb: options.colorJitterProb ?? 0.8,
    grayscaleProb: options.grayscaleProb ?? 0.2,
    blurProb: options.blurProb ?? 0.5,
    blurSigma: options.blurSigma ?? [0.1, 2.0],
  };
}

/** Inception-style crop: up to 10 tries at a random area and log-uniform aspect ratio, else the whole image. */
function sampleCropBox(rng: Rng, height: number, width: number, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(scale[0], scale[1]) * height * width;
    const aspect = Math.exp(rng.uniform(Math.log(ratio[0]), Math.log(ratio[1])));
    const w = Math.sqrt(area * aspect);
    const h = Math.sqrt(area / aspect);
    if (w <= width && h <= height) {
      const y = rng.uniform(0, height - h);
      const x = rng.uniform(0, width - w);
      return [y / height, x / width, (y + h) / height, (x + w) / width];
    }
  }
  return [0, 0, 1, 1];
}

function sampleJitter(rng: Rng, s: number): ColorJitter {
  const factor = (amount: number) => rng.uniform(Math.max(0, 1 - amount), 1 + amount);
  return {
    order: rng.shuffle<JitterOp>(['brightness', 'contrast', 'saturation', 'hue']),
    brightness: factor(0.8 * s),
    contrast: factor(0.8 * s),
    saturation: factor(0.8 * s),
    hue: rng.uniform(-0.2 * s, 0.2 * s),
  };
}

/** Draws the random parameters of one view for each of `count` images of size height×width. */
export function drawViewParams(rng: Rng, count: number, height: number, width: number, outSize: number, options: AugmentOptions = {}): ViewParams[] {
  const o = resolveAugmentOptions(options, outSize);
  return Array.from({ length: count }, () => {
    const [y1, x1, y2, x2] = sampleCropBox(rng, height, width, o.cropScale, o.cropRatio);
    const flip = rng.bernoulli(o.flipProb);
    const jitter = rng.bernoulli(o.colorJitterProb) ? sampleJitter(rng, o.colorStrength) : null;
    const grayscale = rng.bernoulli(o.grayscaleProb);
    const blurSigma = blurKernelSize(outSize) > 0 && rng.bernoulli(o.blurProb) ? rng.uniform(o.blurSigma[0], o.blurSigma[1]) : null;
    return { box: flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2], flip, jitter, grayscale, blurSigma };
  });
}

// ---- 3×3 colour matrices, for row-vector pixels: rgb' = rgb · M ----------------------------------------

type Mat3 = number[][];
const identity: Mat3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
const scaled = (k: number): Mat3 => identity.map((row) => row.map((v) => v * k));
/** Every output channel = luma; blended with the identity it gives saturation. */
const grayMatrix: Mat3 = luma.map((w) => [w, w, w]);
const blend = (a: Mat3, b: Mat3, t: number): Mat3 => a.map((row, i) => row.map((v, j) => v * t + b[i][j] * (1 - t)));
const mul = (a: Mat3, b: Mat3): Mat3 => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));

/** RGB→YIQ for row vectors (the transpose of the usual column-vector matrix), and its inverse. */
const toYiq: Mat3 = [[0.299, 0.596, 0.211], [0.587, -0.274, -0.523], [0.114, -0.322, 0.312]];
const fromYiq: Mat3 = [[1, 1, 1], [0.956, -0.272, -1.106], [0.621, -0.647, 1.703]];

/** Hue shift as a rotation of the chroma plane (I, Q) of YIQ: linear, so it batches as one matmul. */
function hueMatrix(fraction: number): Mat3 {
  const c = Math.cos(2 * Math.PI * fraction);
  const s = Math.sin(2 * Math.PI * fraction);
  return mul(mul(toYiq, [[1, 0, 0], [0, c, s], [0, -s, c]]), fromYiq);
}

/** One jitter op for one image as rgb·M + k·mean(luma): contrast is the only op that needs the mean. */
function jitterStep(op: JitterOp | null, j: ColorJitter | null): { m: Mat3; meanWeight: number } {
  if (!op || !j) return { m: identity, meanWeight: 0 };
  switch (op) {
    case 'brightness':
      return { m: scaled(j.brightness), meanWeight: 0 };
    case 'contrast':
      return { m: scaled(j.contrast), meanWeight: 1 - j.contrast };
    case 'saturation':
      return { m: blend(identity, grayMatrix, j.saturation), meanWeight: 0 };
    case 'hue':
      return { m: hueMatrix(j.hue), meanWeight: 0 };
  }
}

/** Applies a per-image affine colour map to pixels [B, P, 3] and clips to [0, 1], as after each op in the paper. */
function applyColorMaps(pixels: tf.Tensor3D, maps: { m: Mat3; meanWeight: number }[]): tf.Tensor3D {
  return tf.tidy(() => {
    const b = maps.length;
    const m = tf.tensor3d(maps.flatMap((x) => x.m.flat()), [b, 3, 3]);
    let out = tf.matMul(pixels, m);
    if (maps.some((x) => x.meanWeight !== 0)) {
      const meanLuma = tf.matMul(pixels, tf.tensor2d(luma, [3, 1])).mean([1, 2]); // [B]
      const offset = meanLuma.mul(tf.tensor1d(maps.map((x) => x.meanWeight))).reshape([b, 1, 1]);
      out = out.add(offset);
    }
    return out.clipByValue(0, 1) as tf.Tensor3D;
  });
}

/** Colour jitter (four ops in each image's own order) then random grayscale, on [B, S, S, 3]. */
function applyColor(images: tf.Tensor4D, params: ViewParams[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = images.shape;
    let pixels = images.reshape([b, h * w, 3]) as tf.Tensor3D;
    // Slot k applies every image's k-th op at once; images without jitter get the identity.
    for (let slot = 0; slot < 4; slot++) {
      if (!params.some((p) => p.jitter)) break;
      pixels = applyColorMaps(pixels, params.map((p) => jitterStep(p.jitter?.order[slot] ?? null, p.jitter)));
    }
    if (params.some((p) => p.grayscale)) {
      pixels = applyColorMaps(pixels, params.map((p) => ({ m: p.grayscale ? grayMatrix : identity, meanWeight: 0 })));
    }
    return pixels.reshape([b, h, w, 3]) as tf.Tensor4D;
  });
}

/** Normalised 1-D Gaussian taps; sigma null gives the identity (a single centre tap). */
function gaussianTaps(sigma: number | null, radius: number): number[] {
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => (sigma ? Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)) : i === radius ? 1 : 0));
  const sum = taps.reduce((a, v) => a + v, 0);
  return taps.map((v) => v / sum);
}

/**
 * Separable Gaussian blur with a per-image sigma, batched by folding the batch into channels so one
 * depthwise convolution blurs every image with its own kernel. Kernel side ≈ S/10 as in the paper;
 * edges are reflected rather than zero-padded so they do not darken.
 */
function applyBlur(images: tf.Tensor4D, params: ViewParams[]): tf.Tensor4D {
  if (!params.some((p) => p.blurSigma !== null)) return images;
  return tf.tidy(() => {
    const [b, s] = images.shape;
    // Explicitly requested blur on a view of ≤ 32 px still gets the smallest kernel, 3×3.
    const radius = Math.max(1, (blurKernelSize(s) - 1) / 2);
    const channels = b * 3;
    const taps = params.map((p) => gaussianTaps(p.blurSigma, radius));
    // Filter value for tap t of channel (image i, colour c).
    const weights = Array.from({ length: 2 * radius + 1 }, (_, t) => taps.flatMap((k) => [k[t], k[t], k[t]])).flat();
    const vertical = tf.tensor4d(weights, [2 * radius + 1, 1, channels, 1]);
    const horizontal = tf.tensor4d(weights, [1, 2 * radius + 1, channels, 1]);
    let x = images.transpose([1, 2, 0, 3]).reshape([1, s, s, channels]) as tf.Tensor4D;
    x = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    x = tf.depthwiseConv2d(tf.depthwiseConv2d(x, vertical, 1, 'valid'), horizontal, 1, 'valid');
    return x.reshape([s, s, b, 3]).transpose([2, 0, 1, 3]) as tf.Tensor4D;
  });
}

/** Applies already-drawn view parameters to a batch: crop+resize+flip, colour, grayscale, blur. */
export function applyViewParams(images: tf.Tensor4D, outSize: number, params: ViewParams[]): tf.Tensor4D {
  return tf.tidy(() => {
    const b = images.shape[0];
    const boxes = tf.tensor2d(params.flatMap((p) => p.box), [b, 4]);
    const boxIndices = tf.tensor1d(Array.from({ length: b }, (_, i) => i), 'int32');
    const cropped = tf.image.cropAndResize(images, boxes, boxIndices, [outSize, outSize], 'bilinear');
    return applyBlur(applyColor(cropped, params), params).clipByValue(0, 1) as tf.Tensor4D;
  });
}

/** One independently augmented view of every image in the batch. */
export function augmentBatch(images: tf.Tensor4D, outSize: number, options: AugmentOptions, rng: Rng): tf.Tensor4D {
  const [b, h, w] = images.shape;
  return applyViewParams(images, outSize, drawViewParams(rng, b, h, w, outSize, options));
}

/** The two views SimCLR contrasts: two independent augmentations of the same batch. */
export function twoViews(images: tf.Tensor4D, outSize: number, options: AugmentOptions, rng: Rng): [tf.Tensor4D, tf.Tensor4D] {
  return [augmentBatch(images, outSize, options, rng), augmentBatch(images, outSize, options, rng)];
}

/** Deterministic preprocessing for inference: bilinear resize to S×S when the batch is another size. */
export function resizeBatch(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, h, w] = images.shape;
  return h === size && w === size ? images.clone() : tf.image.resizeBilinear(images, [size, size]);
}
