import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { modelResize, reduceRgb, resizeRgb } from '../../../src/main/engine/data/resample';
import { Rng } from '../../../src/main/engine/ml/rng';
import { tempDir } from '../../helpers/images';
import { systemPython } from '../../helpers/python';


/** Photo-like RGB: smooth gradients and waves, per-pixel noise, and a few hard-edged blocks (ringing, clipping). */
function photoLike(width: number, height: number, seed: number): Buffer {
  const rng = new Rng(seed);
  const pixels = Buffer.alloc(width * height * 3);
  const phase = rng.next() * 6;
  const blocks = Array.from({ length: 4 }, () => ({
    x: Math.floor(rng.next() * width),
    y: Math.floor(rng.next() * height),
    w: 1 + Math.floor(rng.next() * width * 0.3),
    h: 1 + Math.floor(rng.next() * height * 0.3),
    rgb: [0, 1, 2].map(() => (rng.next() < 0.5 ? 0 : 255)),
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = blocks.find((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h);
      for (let c = 0; c < 3; c++) {
        const smooth = (255 * (x + y * (c + 1))) / (width + height * (c + 1)) + 60 * Math.sin(phase + x / (5 + c * 4) + y / 9);
        const value = block ? block.rgb[c] : smooth + 50 * (rng.next() - 0.5);
        pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return pixels;
}

/** Writes each size as a PNG; returns the files with their RGB bytes as sharp decodes them. */
async function writeImages(dir: string, sizes: [number, number][]) {
  const images = [];
  for (const [n, [width, height]] of sizes.entries()) {
    const path = join(dir, `image-${n}-${width}x${height}.png`);
    await sharp(photoLike(width, height, n + 1), { raw: { width, height, channels: 3 } }).png().toFile(path);
    const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    assert.deepEqual([info.width, info.height], [width, height]);
    images.push({ path, width, height, pixels: new Uint8Array(data) });
  }
  return images;
}

/** One Pillow run on `src` (converted to RGB), written as raw RGB bytes to `out`. */
interface Job {
  src: string;
  out: string;
  /** `Image.resize(size, Image.BICUBIC)` */
  size?: [number, number];
  /** `Image.reduce(factor)` */
  reduce?: [number, number];
  /** The model's view, predict.py's snippet for this side (see resample.ts). */
  side?: number;
}

/** Runs every job through Pillow in one Python process (each source decoded once). */
function runPillow(jobs: Job[], dir: string): void {
  const probe = spawnSync(systemPython, ['-c', 'import PIL, numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    assert.fail(
      `The Pillow parity test needs ${systemPython} with Pillow and numpy: apt-get install python3-pil python3-numpy ` +
        `(${probe.error?.message ?? probe.stderr.trim()})`,
    );
  }
  const jobsPath = join(dir, 'jobs.json');
  writeFileSync(jobsPath, JSON.stringify(jobs));
  const script = [
    'import json, sys',
    'from PIL import Image',
    'sources = {}',
    'for job in json.load(open(sys.argv[1])):',
    '    if job["src"] not in sources:',
    '        with Image.open(job["src"]) as im:',
    '            sources[job["src"]] = im.convert("RGB")',
    '    img = sources[job["src"]]',
    '    if "reduce" in job:',
    '        img = img.reduce(tuple(job["reduce"]))',
    '    if "size" in job:',
    '        img = img.resize(tuple(job["size"]), Image.BICUBIC)',
    '    if "side" in job:',
    '        side = job["side"]',
    '        w, h = img.size',
    '        fx, fy = max(1, int(w / side / 2)), max(1, int(h / side / 2))',
    '        if fx > 1 or fy > 1: img = img.reduce((fx, fy))',
    '        img = img.resize((side, side), Image.BICUBIC)',
    '    with open(job["out"], "wb") as f:',
    '        f.write(img.tobytes())',
  ].join('\n');
  const run = spawnSync(systemPython, ['-c', script, jobsPath], { encoding: 'utf8' });
  assert.equal(run.status, 0, `Pillow failed: ${run.error?.message ?? run.stderr}`);
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test('resizeRgb matches Pillow BICUBIC bit for bit on real images, down, up, one axis and identity', async () => {
  const dir = tempDir();
  const images = await writeImages(dir, [
    [301, 203],
    [1000, 37],
    [7, 5],
    [45, 700],
    [1200, 900],
  ]);
  const cases: { image: (typeof images)[number]; size: [number, number] }[] = [];
  for (const image of images) {
    const { width: w, height: h } = image;
    const sizes: [number, number][] = [
      [32, 32],
      [96, 96],
      [224, 224],
      [50, 20],
      [w, h], // identity: Pillow returns a copy
      [w, Math.max(1, Math.round(h / 3))], // vertical pass only
      [Math.max(1, Math.round(w / 1.7)), h], // horizontal pass only, non-integer factor
      [Math.max(1, Math.round(w / 2.5)), Math.max(1, Math.round(h / 1.3))], // non-integer factors
      [Math.max(1, Math.floor(w / 2)), Math.max(1, Math.floor(h / 2))],
      [1, 1],
    ];
    if (w * h < 400_000) sizes.push([w * 2 + 1, Math.round(h * 1.5)], [w + 1, h + 1]); // up-scaling
    for (const size of sizes) cases.push({ image, size });
  }
  const jobs = cases.map(({ image, size }, n) => ({ src: image.path, size, out: join(dir, `pillow-${n}.raw`) }));
  runPillow(jobs, dir);

  for (const [n, { image, size }] of cases.entries()) {
    const label = `${image.width}×${image.height} → ${size[0]}×${size[1]}`;
    const expected = new Uint8Array(readFileSync(jobs[n].out));
    const actual = resizeRgb(image.pixels, image.width, image.height, size[0], size[1]);
    assert.equal(actual.length, size[0] * size[1] * 3, label);
    assert.equal(expected.length, actual.length, label);
    assert.equal(maxAbsDiff(actual, expected), 0, `${label}: differs from Pillow`);
  }
});

test('resizeRgb reproduces a hand-computed 4×1 → 2×1 case, fixed-point rounding included', () => {
  // Halving: scale 2, so the bicubic support 2 widens to 4 and output pixel 0 (centre 1.0) takes source pixels
  // 0..3 at filter positions |x| = 0.25, 0.25, 0.75, 1.25:
  //   w(0.25) = (1.5·0.25 − 2.5)·0.25² + 1         = 111/128
  //   w(0.75) = (1.5·0.75 − 2.5)·0.75² + 1         =  29/128
  //   w(1.25) = −0.5·(((1.25 − 5)·1.25 + 8)·1.25 − 4) = −9/128
  // normalised by their sum 242/128 to 111/242, 111/242, 29/242, −9/242, then × 2^22 rounded half away from zero:
  //   1923833.65 → 1923834, 502623.21 → 502623, −155986.51 → −155987 (these sum to exactly 2^22).
  // Output pixel 1 (centre 3.0) uses the mirror image, −9, 29, 111, 111 (/242).
  // Each channel is (2^21 + Σ value·tap) >> 22, clamped to 0..255:
  //   R [0, 0, 100, 255]: px0 (2^21 + 502623·100 − 155987·255) >> 22 = 12582767 >> 22 = 2 (12582912 would be 3:
  //                       the exact value is 605/242 = 2.5, which the fixed-point taps land just below);
  //                       px1 (2^21 + 1923834·355) >> 22 = 685058222 >> 22 = 163
  //   G [255, 255, 155, 0]: px0 (2^21 + 1923834·510 + 502623·155) >> 22 = 1061159057 >> 22 = 253
  //                         px1 (2^21 − 155987·255 + 502623·255 + 1923834·155) >> 22 = 388683602 >> 22 = 92
  //   B [0, 0, 0, 255]: px0 (2^21 − 155987·255) >> 22 = −9 → clamped to 0; px1 (2^21 + 1923834·255) >> 22 = 117
  // The height stays 1, so the vertical pass is skipped.
  const pixels = new Uint8Array([0, 255, 0, 0, 255, 0, 100, 155, 0, 255, 0, 255]);
  assert.deepEqual([...resizeRgb(pixels, 4, 1, 2, 1)], [2, 253, 0, 163, 92, 117]);

  // 2×1 → 1×1: both taps 0.8671875 normalise to ½ = 2^21 each, so the value is (1 + a + b) >> 1 (ties go up).
  assert.deepEqual([...resizeRgb(new Uint8Array([10, 10, 10, 21, 20, 0]), 2, 1, 1, 1)], [16, 15, 5]);
});

test('resizeRgb returns a copy for equal sizes and rejects bad arguments', () => {
  const pixels = new Uint8Array(photoLike(9, 4, 7));
  const same = resizeRgb(pixels, 9, 4, 9, 4);
  assert.deepEqual(same, pixels);
  assert.notEqual(same, pixels);
  assert.throws(() => resizeRgb(pixels, 9, 4, 0, 4), RangeError);
  assert.throws(() => resizeRgb(pixels, 8, 4, 4, 4), RangeError);
});

test('resizeRgb is self-contained: its source text alone gives the same output', () => {
  const rebuilt = new Function(`return ${resizeRgb.toString()}`)() as typeof resizeRgb;
  assert.notEqual(rebuilt, resizeRgb);
  const pixels = new Uint8Array(photoLike(123, 77, 3));
  for (const [w, h] of [
    [32, 32],
    [200, 40],
    [123, 20],
    [61, 77],
  ]) {
    assert.deepEqual(rebuilt(pixels, 123, 77, w, h), resizeRgb(pixels, 123, 77, w, h), `${w}×${h}`);
  }
});

const reduceFactors: [number, number][] = [
  [2, 2],
  [3, 3],
  [4, 4],
  [5, 5],
  [2, 3],
  [7, 1],
  [1, 6],
  [8, 8],
];

test('reduceRgb and modelResize match Pillow reduce and predict.py bit for bit', async () => {
  const dir = tempDir();
  const images = await writeImages(dir, [
    [301, 203],
    [1000, 37],
    [45, 700],
    [1200, 900],
    [7, 5],
    [4000, 3000],
  ]);
  const reduceCases = images
    .filter((image) => image.width < 4000)
    .flatMap((image) => reduceFactors.map((factor) => ({ image, factor })));
  const sideCases = images.flatMap((image) => [32, 96, 224].map((side) => ({ image, side })));
  const jobs: Job[] = [
    ...reduceCases.map(({ image, factor }, n) => ({
      src: image.path,
      reduce: factor,
      out: join(dir, `reduce-${n}.raw`),
    })),
    ...sideCases.map(({ image, side }, n) => ({ src: image.path, side, out: join(dir, `side-${n}.raw`) })),
  ];
  runPillow(jobs, dir);

  for (const [n, { image, factor }] of reduceCases.entries()) {
    const label = `${image.width}×${image.height} reduce ${factor[0]}×${factor[1]}`;
    const expected = new Uint8Array(readFileSync(jobs[n].out));
    const actual = reduceRgb(image.pixels, image.width, image.height, factor[0], factor[1]);
    assert.deepEqual(
      [actual.width, actual.height],
      [Math.ceil(image.width / factor[0]), Math.ceil(image.height / factor[1])],
      label,
    );
    assert.equal(actual.pixels.length, actual.width * actual.height * 3, label);
    assert.equal(expected.length, actual.pixels.length, label);
    assert.equal(maxAbsDiff(actual.pixels, expected), 0, `${label}: differs from Pillow`);
  }
  for (const [n, { image, side }] of sideCases.entries()) {
    const label = `${image.width}×${image.height} model view ${side}`;
    const expected = new Uint8Array(readFileSync(jobs[reduceCases.length + n].out));
    const actual = modelResize(image.pixels, image.width, image.height, side);
    assert.equal(actual.length, side * side * 3, label);
    assert.equal(expected.length, actual.length, label);
    assert.equal(maxAbsDiff(actual, expected), 0, `${label}: differs from Pillow`);
  }
});

test('reduceRgb reproduces hand-computed cases, partial corner blocks and the truncated multiplier included', () => {
  // Pillow's Reduce.c: channel = ((Σ + (n >> 1)) · m) >> 24 in uint32, m = (uint32)((float)2^32 / (float)(256 · n)),
  // n the pixels in the block. 3×1 reduce (2, 1) → ceil(3/2) × 1 = 2×1:
  //   px0, the 2×1 fast path, n = 2: (a + b + 1) >> 1 (m = 2^23 exactly, so this is the same formula):
  //     R (10 + 21 + 1) >> 1 = 16 (15.5 rounds up), G (200 + 201 + 1) >> 1 = 201, B (0 + 1 + 1) >> 1 = 1
  //   px1, the "corners" path for the partial last column: n = (3 mod 2) · 1 = 1, amend 1 >> 1 = 0, m = 2^24, so
  //     (v · 2^24) >> 24 = v: the lone pixel is copied, R 7, G 250, B 3.
  const three = new Uint8Array([10, 200, 0, 21, 201, 1, 7, 250, 3]);
  assert.deepEqual(reduceRgb(three, 3, 1, 2, 1), {
    pixels: new Uint8Array([16, 201, 1, 7, 250, 3]),
    width: 2,
    height: 1,
  });

  // 7×1 reduce (4, 1) → 2×1. px0: n = 4, m = 2^22, (Σ + 2) >> 2. px1, corner: n = 3, float 2^32 / 768 =
  // 5592405.33… rounds to the float 5592405.5, truncated m = 5592405 = (2^24 − 1) / 3, amend 1:
  //   R [1, 1, 0]: (2 + 1) · 5592405 = 16777215 >> 24 = 0, not round(2/3) = 1 (the multiplier is a hair low);
  //   G [4, 4, 3]: (11 + 1) · 5592405 = 67108860 >> 24 = 3 (exact 11/3 = 3.67 would round to 4);
  //   B [9, 9, 9]: (27 + 1) · 5592405 = 156587340 >> 24 = 9.
  // px0: R [0, 0, 1, 1] (2 + 2) >> 2 = 1; G [8, 8, 8, 9] (33 + 2) >> 2 = 8; B [255 × 4] (1020 + 2) >> 2 = 255.
  const seven = new Uint8Array([0, 8, 255, 0, 8, 255, 1, 8, 255, 1, 9, 255, 1, 4, 9, 1, 4, 9, 0, 3, 9]);
  assert.deepEqual(reduceRgb(seven, 7, 1, 4, 1), {
    pixels: new Uint8Array([1, 8, 255, 0, 3, 9]),
    width: 2,
    height: 1,
  });
});

test('reduceRgb copies for (1, 1), takes factors beyond the size, and rejects bad arguments', () => {
  const pixels = new Uint8Array(photoLike(9, 4, 7));
  const same = reduceRgb(pixels, 9, 4, 1, 1);
  assert.deepEqual(same, { pixels, width: 9, height: 4 });
  assert.notEqual(same.pixels, pixels);
  // A factor past the size leaves one partial block: here the whole image, n = 36 (Pillow's corner path).
  const whole = reduceRgb(pixels, 9, 4, 20, 10);
  assert.deepEqual([whole.width, whole.height, whole.pixels.length], [1, 1, 3]);
  assert.throws(() => reduceRgb(pixels, 9, 4, 0, 2), RangeError);
  assert.throws(() => reduceRgb(pixels, 9, 4, 1.5, 2), RangeError);
  assert.throws(() => reduceRgb(pixels, 8, 4, 2, 2), RangeError);
  assert.throws(() => modelResize(pixels, 9, 4, 0), RangeError);
});

test('reduceRgb and modelResize are self-contained: their source text alone gives the same output', () => {
  const rebuiltReduce = new Function(`return ${reduceRgb.toString()}`)() as typeof reduceRgb;
  assert.notEqual(rebuiltReduce, reduceRgb);
  const pixels = new Uint8Array(photoLike(123, 77, 3));
  for (const [fx, fy] of [...reduceFactors, [200, 1]]) {
    assert.deepEqual(rebuiltReduce(pixels, 123, 77, fx, fy), reduceRgb(pixels, 123, 77, fx, fy), `${fx}×${fy}`);
  }
  // As the export script embeds them: all three sources in one scope, modelResize calling the other two by name.
  const rebuiltModel = new Function(
    [reduceRgb.toString(), resizeRgb.toString(), modelResize.toString(), 'return modelResize;'].join('\n'),
  )() as typeof modelResize;
  assert.notEqual(rebuiltModel, modelResize);
  for (const side of [8, 20, 32, 96]) {
    assert.deepEqual(rebuiltModel(pixels, 123, 77, side), modelResize(pixels, 123, 77, side), `side ${side}`);
  }
});
