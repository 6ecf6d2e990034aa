/**
 * Ready-made scripts an export carries to classify a folder elsewhere with model.onnx: predict.mjs (Node,
 * onnxruntime-node and sharp) and predict.py (onnxruntime, Pillow and numpy). Both build the model's input exactly
 * as the app does. predict.mjs runs the app's own resize, its source embedded from the functions the app runs;
 * predict.py calls Pillow's reduce and bicubic resize, which those functions reproduce bit for bit.
 */
import { modelResize, reduceRgb, resizeRgb } from '../data/resample';
import { imageExtensions } from '../import/scan';
import { appVersion, onnxNames } from './model-files';

const extensions = JSON.stringify([...imageExtensions].sort());

/** Where the scripts' dependencies come from, pinned to the versions the app was tested with. */
export function predictPackageJson(versions: { onnxruntime: string; sharp: string }): string {
  const manifest = {
    name: 'simclr-studio-model',
    private: true,
    type: 'module',
    description: 'A classifier exported by SimCLR Studio: node predict.mjs <folder or images…>',
    dependencies: { 'onnxruntime-node': versions.onnxruntime, sharp: versions.sharp },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export const predictRequirements = 'onnxruntime\nPillow>=9.1\nnumpy\n';

export function predictMjs(): string {
  return `#!/usr/bin/env node
// Classifies images with model.onnx exactly as SimCLR Studio ${appVersion} does.
//   npm install            (onnxruntime-node and sharp, from package.json)
//   node predict.mjs <folder or image>… [--json] [--top K]
// Prints path,label,confidence as CSV (with --json: one JSON array with each image's top K classes).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const { inputSize } = JSON.parse(readFileSync(join(here, 'preprocessing.json'), 'utf8'));
const { labels } = JSON.parse(readFileSync(join(here, 'classes.json'), 'utf8'));
const extensions = new Set(${extensions});
const batchSize = 32;

// The app's own resize functions, copied from the running app (Pillow's reduce() then its bicubic resize, bit for
// bit): src/main/engine/data/resample.ts in SimCLR Studio's source, where they are commented. Run from its sources,
// the app's TypeScript compiler drops their whitespace.
const resizeRgb = ${resizeRgb.toString()};
const reduceRgb = ${reduceRgb.toString()};
const modelResize = ${modelResize.toString()};

/** The model's input for one file: decoded upright, RGB, resized to inputSize², in [0, 1]. */
async function modelInput(path) {
  const { data, info } = await sharp(path, { failOn: 'warning' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(modelResize(data, info.width, info.height, inputSize), (v) => v / 255);
}

function imagesIn(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => (entry.isDirectory() ? imagesIn(join(path, entry.name)) : extensions.has(extname(entry.name).toLowerCase()) ? [join(path, entry.name)] : []));
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 5;
const inputs = args.filter((a, i) => !a.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
if (inputs.length === 0) {
  console.error('usage: node predict.mjs <folder or image>… [--json] [--top K]');
  process.exit(2);
}
const paths = inputs.flatMap((p) => imagesIn(resolve(p)));
const session = await ort.InferenceSession.create(join(here, 'model.onnx'));
const results = [];
for (let start = 0; start < paths.length; start += batchSize) {
  const batch = paths.slice(start, start + batchSize);
  const pixels = new Float32Array(batch.length * inputSize * inputSize * 3);
  for (const [i, path] of batch.entries()) pixels.set(await modelInput(path), i * inputSize * inputSize * 3);
  const output = await session.run({ ${onnxNames.input}: new ort.Tensor('float32', pixels, [batch.length, inputSize, inputSize, 3]) });
  const probabilities = output.${onnxNames.probabilities}.data;
  for (const [i, path] of batch.entries()) {
    const row = Array.from(probabilities.subarray(i * labels.length, (i + 1) * labels.length));
    const ranked = row.map((probability, c) => ({ label: labels[c], probability })).sort((a, b) => b.probability - a.probability);
    results.push({ path, label: ranked[0].label, confidence: ranked[0].probability, top: ranked.slice(0, top) });
  }
}
if (json) console.log(JSON.stringify(results, null, 1));
else {
  const cell = (v) => (/[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v);
  console.log('path,label,confidence');
  for (const r of results) console.log([cell(r.path), cell(r.label), r.confidence.toFixed(6)].join(','));
}
`;
}

export function predictPy(): string {
  return `#!/usr/bin/env python3
"""Classifies images with model.onnx exactly as SimCLR Studio ${appVersion} does.

    pip install -r requirements.txt        (onnxruntime, Pillow, numpy)
    python3 predict.py <folder or image>... [--json] [--top K]
    python3 predict.py <folder or image>... --inputs-npy inputs.npy   (the model inputs only; no onnxruntime needed)

Prints path,label,confidence as CSV (with --json: a JSON array with each image's top K classes).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "preprocessing.json"), encoding="utf-8") as f:
    SIDE = json.load(f)["inputSize"]
EXTENSIONS = set(${extensions})


def model_input(path):
    """The model's input for one file: upright, RGB, reduced then bicubic-resized to SIDE x SIDE, in [0, 1].

    The same bytes as the app: it decodes with libvips and resizes with Pillow's own reduce and bicubic filter.
    """
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        width, height = image.size
        factor_x, factor_y = max(1, int(width / SIDE / 2)), max(1, int(height / SIDE / 2))
        if factor_x > 1 or factor_y > 1:
            image = image.reduce((factor_x, factor_y))
        image = image.resize((SIDE, SIDE), Image.BICUBIC)
        return np.asarray(image, dtype=np.float32) / np.float32(255)


def images_in(path):
    if not os.path.isdir(path):
        return [path]
    found = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isdir(full):
            found += images_in(full)
        elif os.path.splitext(name)[1].lower() in EXTENSIONS:
            found.append(full)
    return found


def main():
    parser = argparse.ArgumentParser(description="Classify images with model.onnx")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--inputs-npy", help="write the model inputs [N, SIDE, SIDE, 3] to this .npy and stop")
    args = parser.parse_args()
    paths = [p for given in args.paths for p in images_in(os.path.abspath(given))]
    inputs = np.stack([model_input(p) for p in paths]) if paths else np.zeros((0, SIDE, SIDE, 3), np.float32)
    if args.inputs_npy:
        np.save(args.inputs_npy, inputs)
        return
    import onnxruntime  # only needed to predict

    with open(os.path.join(HERE, "classes.json"), encoding="utf-8") as f:
        labels = json.load(f)["labels"]
    session = onnxruntime.InferenceSession(os.path.join(HERE, "model.onnx"), providers=["CPUExecutionProvider"])
    probabilities = session.run(["${onnxNames.probabilities}"], {"${onnxNames.input}": inputs})[0]
    results = []
    for path, row in zip(paths, probabilities):
        ranked = sorted(((float(p), labels[c]) for c, p in enumerate(row)), reverse=True)
        top = [{"label": label, "probability": p} for p, label in ranked[: args.top]]
        results.append({"path": path, "label": top[0]["label"], "confidence": top[0]["probability"], "top": top})
    if args.json:
        print(json.dumps(results, indent=1))
        return
    writer = csv.writer(sys.stdout, lineterminator="\\n")
    writer.writerow(["path", "label", "confidence"])
    for r in results:
        writer.writerow([r["path"], r["label"], f"{r['confidence']:.6f}"])


if __name__ == "__main__":
    main()
`;
}
