import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { applyViewParams, augmentBatch, blurKernelSize, drawViewParams, twoViews, type ViewParams } from '../../../src/main/engine/ml/model/augment';
import { Rng } from '../../../src/main/engine/ml/rng';

await initBackend('wasm');

const N = 4000;
const rate = (params: ViewParams[], pick: (p: ViewParams) => boolean) => params.filter(pick).length / params.length;
/** ±4.5 standard errors of a Bernoulli(p) mean over N draws: fails only when the rate is really off. */
const assertRate = (actual: number, p: number) => assert.ok(Math.abs(actual - p) < 4.5 * Math.sqrt((p * (1 - p)) / N), `${actual} vs ${p}`);

function randomImages(b: number, h: number, w: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: b * h * w * 3 }, () => rng.next()), [b, h, w, 3]);
}

const plain = (box: ViewParams['box'], extra: Partial<ViewParams> = {}): ViewParams => ({ box, flip: false, jitter: null, grayscale: false, blurSigma: null, ...extra });

test('random resized crop: area fraction and aspect ratio stay within bounds', () => {
  for (const [outSize, minScale] of [[32, 0.2], [64, 0.08]]) {
    const params = drawViewParams(new Rng(1), N, 48, 40, outSize);
    const areas = params.map(({ box: [y1, x1, y2, x2] }) => (y2 - y1) * Math.abs(x2 - x1));
    assert.ok(areas.every((a) => a >= minScale - 1e-9 && a <= 1 + 1e-9));
    // Area is drawn uniformly, but large crops at extreme aspect ratios do not fit and are redrawn, so
    // the mean sits a little below (min + 1) / 2; small crops do occur.
    const mean = areas.reduce((a, v) => a + v, 0) / N;
    assert.ok(mean < (minScale + 1) / 2 && mean > (minScale + 1) / 2 - 0.1, `mean area ${mean}`);
    assert.ok(Math.min(...areas) < minScale + 0.05);
    for (const { box: [y1, x1, y2, x2] } of params) {
      const aspect = (Math.abs(x2 - x1) * 40) / ((y2 - y1) * 48);
      assert.ok(aspect >= 3 / 4 - 1e-9 && aspect <= 4 / 3 + 1e-9, `aspect ${aspect}`);
      assert.ok(Math.min(y1, x1, y2, x2) >= 0 && Math.max(y1, x1, y2, x2) <= 1);
    }
  }
});

test('flip ≈ 0.5, colour jitter ≈ 0.8, grayscale ≈ 0.2, blur ≈ 0.5 above 32 px and never at ≤ 32 px', () => {
  const big = drawViewParams(new Rng(2), N, 64, 64, 64);
  assertRate(rate(big, (p) => p.flip), 0.5);
  assertRate(rate(big, (p) => p.jitter !== null), 0.8);
  assertRate(rate(big, (p) => p.grayscale), 0.2);
  assertRate(rate(big, (p) => p.blurSigma !== null), 0.5);
  assert.ok(big.every((p) => p.blurSigma === null || (p.blurSigma >= 0.1 && p.blurSigma <= 2.0)));
  // A flipped view's box runs right to left.
  assert.ok(big.every((p) => p.flip === p.box[1] > p.box[3]));
  assert.equal(rate(drawViewParams(new Rng(3), N, 64, 64, 32), (p) => p.blurSigma !== null), 0);
  // Options override the defaults.
  const none = drawViewParams(new Rng(4), 500, 64, 64, 64, { flipProb: 0, grayscaleProb: 1, blurProb: 0, colorJitterProb: 0 });
  assert.ok(none.every((p) => !p.flip && p.grayscale && p.blurSigma === null && p.jitter === null));
});

test('colour jitter factors lie in [1 − 0.8s, 1 + 0.8s] (hue ±0.2s) and the order is a permutation', () => {
  const s = 0.5;
  const jitters = drawViewParams(new Rng(5), N, 32, 32, 32, { colorStrength: s }).flatMap((p) => (p.jitter ? [p.jitter] : []));
  for (const key of ['brightness', 'contrast', 'saturation'] as const) {
    const values = jitters.map((j) => j[key]);
    assert.ok(values.every((v) => v >= 1 - 0.8 * s && v <= 1 + 0.8 * s), key);
    assert.ok(Math.min(...values) < 0.65 && Math.max(...values) > 1.35, `${key} spans its range`);
  }
  assert.ok(jitters.every((j) => Math.abs(j.hue) <= 0.2 * s));
  assert.ok(jitters.every((j) => [...j.order].sort().join() === 'brightness,contrast,hue,saturation'));
  assert.ok(new Set(jitters.map((j) => j.order.join())).size === 24, 'all 24 orders occur');
  // s = 1 (ImageNet strength): factors reach down to 0.2.
  const strong = drawViewParams(new Rng(6), N, 32, 32, 32, { colorStrength: 1 }).flatMap((p) => (p.jitter ? [p.jitter.brightness] : []));
  assert.ok(Math.min(...strong) >= 0.2 && Math.min(...strong) < 0.25);
});

test('full-image crop is the identity and a flipped box mirrors the image', () => {
  const x = randomImages(2, 8, 8, 7);
  const same = applyViewParams(x, 8, [plain([0, 0, 1, 1]), plain([0, 0, 1, 1])]);
  const flipped = applyViewParams(x, 8, [plain([0, 1, 1, 0], { flip: true }), plain([0, 0, 1, 1])]);
  const expectFlip = tf.concat([tf.reverse(x.slice([0], [1]), 2), x.slice([1], [1])]);
  assert.ok(tf.max(tf.abs(same.sub(x))).dataSync()[0] < 1e-5);
  assert.ok(tf.max(tf.abs(flipped.sub(expectFlip))).dataSync()[0] < 1e-5);
});

test('brightness scales, saturation 0 and grayscale give equal channels equal to luma', () => {
  const x = randomImages(1, 6, 6, 8).mul(0.5) as tf.Tensor4D; // headroom so ×1.5 does not clip
  const jitter = (over: Partial<{ brightness: number; contrast: number; saturation: number; hue: number }>) => ({
    order: ['brightness', 'contrast', 'saturation', 'hue'] as const, brightness: 1, contrast: 1, saturation: 1, hue: 0, ...over,
  });
  const bright = applyViewParams(x, 6, [plain([0, 0, 1, 1], { jitter: { ...jitter({ brightness: 1.5 }), order: [...jitter({}).order] } })]);
  assert.ok(tf.max(tf.abs(bright.sub(x.mul(1.5)))).dataSync()[0] < 1e-2); // hue 0 is identity up to YIQ rounding
  const lumaOf = x.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(3, true);
  for (const p of [plain([0, 0, 1, 1], { grayscale: true }), plain([0, 0, 1, 1], { jitter: { ...jitter({ saturation: 0 }), order: [...jitter({}).order] } })]) {
    const g = applyViewParams(x, 6, [p]);
    assert.ok(tf.max(tf.abs(g.sub(lumaOf))).dataSync()[0] < 1e-2);
  }
  // Contrast 0 collapses every pixel to the image's mean luma.
  const flat = applyViewParams(x, 6, [plain([0, 0, 1, 1], { jitter: { ...jitter({ contrast: 0 }), order: ['contrast', 'brightness', 'saturation', 'hue'] } })]);
  assert.ok(tf.max(tf.abs(flat.sub(lumaOf.mean()))).dataSync()[0] < 1e-2);
});

test('blur lowers pixel variance, keeps a constant image constant, and only touches chosen images', () => {
  const x = randomImages(2, 64, 64, 9);
  const y = applyViewParams(x, 64, [plain([0, 0, 1, 1], { blurSigma: 2 }), plain([0, 0, 1, 1])]);
  const variance = (t: tf.Tensor) => tf.moments(t).variance.dataSync()[0];
  assert.ok(variance(y.slice([0], [1])) < 0.3 * variance(x.slice([0], [1])));
  assert.ok(tf.max(tf.abs(y.slice([1], [1]).sub(x.slice([1], [1])))).dataSync()[0] < 1e-5);
  const c = tf.fill([1, 64, 64, 3], 0.7) as tf.Tensor4D;
  assert.ok(tf.max(tf.abs(applyViewParams(c, 64, [plain([0, 0, 1, 1], { blurSigma: 1.5 })]).sub(0.7))).dataSync()[0] < 1e-5);
});

test('blur kernel is a tenth of the side (odd), off at ≤ 32 px, and sigma is uniform in [0.1, 2.0]', () => {
  // The paper's code: kernel_size = side // 10, radius = kernel_size // 2, kernel = 2·radius + 1.
  assert.equal(blurKernelSize(224), 23);
  assert.equal(blurKernelSize(96), 9);
  assert.equal(blurKernelSize(64), 7);
  assert.equal(blurKernelSize(40), 5);
  assert.equal(blurKernelSize(33), 3);
  assert.equal(blurKernelSize(32), 0);
  assert.equal(blurKernelSize(16), 0);
  // An impulse spreads over exactly the kernel's width: 7 pixels at 64 px.
  const impulse = tf.buffer([1, 64, 64, 3], 'float32');
  for (let c = 0; c < 3; c++) impulse.set(1, 0, 32, 32, c);
  const blurred = applyViewParams(impulse.toTensor() as tf.Tensor4D, 64, [plain([0, 0, 1, 1], { blurSigma: 2 })]);
  const row = blurred.slice([0, 32, 0, 0], [1, 1, 64, 1]).dataSync();
  const touched = Array.from(row).flatMap((v, x) => (v > 1e-6 ? [x] : []));
  assert.deepEqual(touched, [29, 30, 31, 32, 33, 34, 35]);
  const sigmas = drawViewParams(new Rng(13), N, 96, 96, 96).flatMap((p) => (p.blurSigma === null ? [] : [p.blurSigma]));
  const meanSigma = sigmas.reduce((a, v) => a + v, 0) / sigmas.length;
  // U(0.1, 2.0) has mean 1.05 and standard deviation 1.9/√12 ≈ 0.55.
  assert.ok(Math.abs(meanSigma - 1.05) < 4.5 * (0.55 / Math.sqrt(sigmas.length)), `mean sigma ${meanSigma}`);
  assert.ok(Math.min(...sigmas) < 0.15 && Math.max(...sigmas) > 1.95);
});

test('augmented batches: shape, range [0,1], determinism under a seed, no tensor leaks', () => {
  const x = randomImages(6, 80, 72, 10);
  const before = tf.memory().numTensors;
  const [a, b] = twoViews(x, 64, {}, new Rng(11));
  assert.equal(tf.memory().numTensors, before + 2);
  assert.deepEqual(a.shape, [6, 64, 64, 3]);
  assert.equal(a.dtype, 'float32');
  const values = a.dataSync();
  assert.ok(values.every((v) => v >= 0 && v <= 1));
  const [a2, b2] = twoViews(x, 64, {}, new Rng(11));
  assert.deepEqual(a2.dataSync(), values);
  assert.deepEqual(b2.dataSync(), b.dataSync());
  assert.notDeepEqual(b.dataSync(), values); // the two views differ
  const small = augmentBatch(x, 16, { colorStrength: 1 }, new Rng(12));
  assert.deepEqual(small.shape, [6, 16, 16, 3]);
  assert.ok(small.dataSync().every((v) => v >= 0 && v <= 1));
});

test('the batched augmentation gives each image what it gets alone: one batch of ops equals the per-image ops', () => {
  // 48 px, so blur is on, with every kind of view among the eight drawn.
  const images = randomImages(8, 40, 48, 12);
  const params = drawViewParams(new Rng(13), 8, 40, 48, 48, { colorStrength: 1, grayscaleProb: 0.4, blurProb: 0.6 });
  assert.ok(params.some((p) => p.blurSigma !== null) && params.some((p) => p.blurSigma === null) && params.some((p) => p.jitter) && params.some((p) => p.grayscale));
  const batched = applyViewParams(images, 48, params);
  const alone = tf.concat(params.map((p, i) => tf.tidy(() => applyViewParams(images.slice([i, 0, 0, 0], [1, 40, 48, 3]) as tf.Tensor4D, 48, [p]))));
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(batched, alone))).dataSync()[0]!);
  assert.ok(difference < 1e-5, `batched and per-image views differ by up to ${difference}`);
  tf.dispose([images, batched, alone]);
});
