/** Shared by the ONNX tests: real images through the app's preprocessing, and ONNX Runtime to run a model. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { imageToModelPixels } from '../../../src/main/engine/data/pixel-cache';
import { Rng } from '../../../src/main/engine/ml/rng';
import { systemPython } from '../../helpers/python';

/** Writes `count` PNGs of gradients and noise at odd sizes into dir; returns their paths. */
export async function writeTestImages(dir: string, count: number, seed = 1): Promise<string[]> {
  const rng = new Rng(seed);
  const paths: string[] = [];
  for (let n = 0; n < count; n++) {
    const width = 40 + Math.floor(rng.next() * 200);
    const height = 30 + Math.floor(rng.next() * 200);
    const pixels = Buffer.alloc(width * height * 3);
    const phase = rng.next() * 6;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, 128 + 100 * Math.sin(phase + x / (7 + c * 3) + y / 11) + 40 * (rng.next() - 0.5)));
    const path = join(dir, `image-${n}.png`);
    await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(path);
    paths.push(path);
  }
  return paths;
}

/** The images as the app's models see them: NHWC float32 in [0, 1]. */
export async function modelInputs(paths: string[], side: number): Promise<Float32Array> {
  const all = new Float32Array(paths.length * side * side * 3);
  for (const [i, path] of paths.entries()) all.set(Float32Array.from(await imageToModelPixels(path, side), (v) => v / 255), i * side * side * 3);
  return all;
}

/** Batch norm with statistics and an affine part far from the identity, so folding them is actually tested. */
export function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(Float32Array.from({ length: w.size }, () => (i === 0 || i === 3 ? 0.5 + rng.next() : 0.4 * (rng.next() - 0.5))), w.shape)));
  }
}

/** Runs an ONNX model on NHWC inputs; returns every output, flat. */
export async function runOnnx(modelBytes: Uint8Array, input: Float32Array, side: number): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const count = input.length / (side * side * 3);
    const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [count, side, side, 3]) });
    return Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array]));
  } finally {
    await session.release();
  }
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Runs Python's onnx.checker (full check, with shape inference) on the files; throws with its message if one fails. */
export function checkWithOnnxChecker(paths: string[]): void {
  const script = 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint("ok")';
  const run = spawnSync(systemPython, ['-c', script, ...paths], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    const missing = /No module named 'onnx'/.test(run.stderr ?? '') || run.error;
    throw new Error(missing ? `onnx.checker needs Debian's python3-onnx: apt-get install python3-onnx (${run.error?.message ?? run.stderr})` : `onnx.checker refused a model:\n${run.stderr}`);
  }
}

export function writeBytes(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}
