/**
 * A real export, through the CLI as a user runs it, is usable elsewhere: model.onnx and encoder.onnx pass
 * onnx.checker; the export's own predict.mjs (onnxruntime-node) gives `predict`'s class for every image and its
 * confidence; predict.py builds the very input tensors the app feeds its model (Pillow and numpy); the embeddings
 * load with numpy; the labels come as CSV, JSON and an ImageFolder tree; and a second export to the same folder
 * is refused rather than mixed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { imageToModelPixels } from '../../../src/main/engine/data/pixel-cache';
import { generateSampleFolder } from '../../../src/main/engine/sample/generate-sample';
import { parseCsv } from '../../../src/main/engine/store/csv';
import { tempDir } from '../../helpers/images';
import { readNpy } from '../../helpers/npy';
import { systemPython } from '../../helpers/python';
import { checkWithOnnxChecker, maxAbsDifference } from '../onnx/onnx-helpers';

const run = promisify(execFile);
const work = tempDir('simclr-export-');
const project = join(work, 'project');

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['bin/simclr-studio.mjs', ...args, '--project', project, '--json'], { env: { ...process.env, SIMCLR_BACKEND: 'wasm' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}


test('an export carries ONNX models that pass onnx.checker, and predict scripts that agree with the app on every image', { timeout: 420_000 }, async () => {
  // Large enough that the app reduces before its bicubic resize (96 px → 16 px: reduce by 3), in PNG and JPEG,
  // one JPEG stored sideways with an EXIF orientation.
  const sample = await generateSampleFolder(join(work, 'images'), { perClass: 6, size: 96, seed: 11, classes: 3 });
  const firstClass = join(sample.dir, sample.classes[0]);
  const pngs = readdirSync(firstClass).filter((f) => f.endsWith('.png'));
  await sharp(join(firstClass, pngs[0])).jpeg({ quality: 90 }).toFile(join(firstClass, 'as-jpeg.jpg'));
  await sharp(join(firstClass, pngs[1])).resize(120, 80, { fit: 'fill' }).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toFile(join(firstClass, 'sideways.jpg'));
  await cli('import', sample.dir, '--labels-from-folders');
  await cli('pretrain', '--encoder', 'resnet-tiny', '--image-size', '16', '--batch', '8', '--epochs', '1');
  await cli('test-set', '--fraction', '0.2');
  await cli('finetune', '--epochs', '2');
  const predictionsCsv = join(work, 'predictions.csv');
  await cli('predict', '--out', predictionsCsv);
  const predicted = new Map(parseCsv(readFileSync(predictionsCsv, 'utf8')).slice(1).map(([path, label, confidence]) => [path, { label, confidence: Number(confidence) }]));
  assert.equal(predicted.size, 20);

  const out = join(work, 'export');
  const exported = (await cli('export', '--out', out, '--image-folder', 'symlink')) as { dir: string; files: { path: string; bytes: number }[] };
  const names = exported.files.map((f) => f.path.slice(out.length + 1));
  for (const name of ['model.onnx', 'model.tfjs', 'encoder.onnx', 'encoder.tfjs', 'classes.json', 'preprocessing.json', 'embeddings.npy', 'embeddings.csv', 'labels.csv', 'predictions.csv', 'dataset.json', 'imagefolder', 'predict.mjs', 'predict.py', 'package.json', 'requirements.txt', 'model-card.json', 'MODEL_CARD.md']) {
    assert.ok(names.includes(name), `${name} is exported`);
    assert.ok(existsSync(join(out, name)), `${name} is on disk`);
  }
  assert.ok(exported.files.filter((f) => f.path.endsWith('.onnx')).every((f) => f.bytes > 10_000));
  assert.deepEqual(readdirSync(dirname(out)).filter((name) => name.includes('.partial-')), [], 'no staging folder is left');
  checkWithOnnxChecker([join(out, 'model.onnx'), join(out, 'encoder.onnx')]);

  // predict.mjs, run as a user would after `npm install` (here the repository's own packages stand in).
  symlinkSync(resolve('node_modules'), join(out, 'node_modules'));
  const { stdout } = await run(process.execPath, [join(out, 'predict.mjs'), sample.dir, '--json'], { maxBuffer: 1 << 26 });
  const fromScript = JSON.parse(stdout) as { path: string; label: string; confidence: number; top: { label: string; probability: number }[] }[];
  assert.equal(fromScript.length, 20);
  for (const row of fromScript) {
    const app = predicted.get(row.path);
    assert.ok(app, `${row.path} is one of the app's images`);
    assert.equal(row.label, app.label, `${row.path}: predict.mjs says ${row.label}, the app ${app.label}`);
    assert.ok(Math.abs(row.confidence - app.confidence) <= 1e-4, `${row.path}: confidence ${row.confidence} vs the app's ${app.confidence}`);
    assert.equal(row.top.length, 3);
    assert.ok(Math.abs(row.top.reduce((s, t) => s + t.probability, 0) - 1) < 1e-4);
  }

  // Trying the model on a file from outside the project gives the app's answer for the same picture, with the
  // labelled images most like it (the original first, as it is the same picture); a bad file is named.
  const original = fromScript[0].path;
  const outside = join(work, 'elsewhere.png');
  writeFileSync(outside, readFileSync(original));
  const tried = (await cli('predict', '--image', outside)) as { top: { label: string; probability: number }[]; neighbours: { path: string; similarity: number }[] };
  assert.equal(tried.top.length, 3);
  assert.equal(tried.top[0].label, predicted.get(original)!.label);
  assert.ok(Math.abs(tried.top[0].probability - predicted.get(original)!.confidence) <= 1e-4);
  assert.equal(tried.neighbours.length, 5);
  assert.equal(tried.neighbours[0].path, original);
  assert.ok(tried.neighbours[0].similarity > 0.9999);
  writeFileSync(join(work, 'broken.png'), 'not a png');
  await assert.rejects(cli('predict', '--image', join(work, 'broken.png')), (error: { stderr: string }) => error.stderr.includes(`${join(work, 'broken.png')}: cannot read this image`));

  // predict.py's input tensors, built with Pillow and numpy, against the app's own.
  const { inputSize } = JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8')) as { inputSize: number };
  const inputsNpy = join(work, 'inputs.npy');
  const py = await run(systemPython, [join(out, 'predict.py'), sample.dir, '--inputs-npy', inputsNpy]).catch((error: Error) => {
    throw new Error(`predict.py needs Debian's python3-pil and python3-numpy (apt-get install python3-pil python3-numpy): ${error.message}`);
  });
  assert.equal(py.stderr, '');
  const inputs = readNpy(inputsNpy);
  assert.deepEqual(inputs.shape, [20, inputSize, inputSize, 3]);
  const side = inputSize * inputSize * 3;
  for (const [i, row] of fromScript.entries()) {
    const app = Float32Array.from(await imageToModelPixels(row.path, inputSize), (v) => v / 255);
    assert.ok(maxAbsDifference(inputs.values.subarray(i * side, (i + 1) * side), app) <= 1e-6, `${row.path}: predict.py's input differs from the app's`);
  }

  // The embeddings load with numpy, one row per image named by embeddings.csv.
  const numpy = await run(systemPython, ['-c', `import numpy; a = numpy.load(${JSON.stringify(join(out, 'embeddings.npy'))}); print(a.shape, a.dtype)`]);
  assert.equal(numpy.stdout.trim(), '(20, 64) float32');
  assert.equal(parseCsv(readFileSync(join(out, 'embeddings.csv'), 'utf8')).length, 21);

  // Labels as CSV with their split, as JSON with predictions and flags, and as an ImageFolder tree of links.
  const labels = parseCsv(readFileSync(join(out, 'labels.csv'), 'utf8'));
  assert.deepEqual(labels[0], ['path', 'label', 'split']);
  assert.equal(labels.length - 1, 20);
  const splits = new Set(labels.slice(1).map((r) => r[2]));
  assert.deepEqual([...splits].sort(), ['test', 'train']);
  const dataset = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { classes: { name: string }[]; images: { path: string; label: string; predicted: string; confidence: number }[] };
  assert.deepEqual(dataset.classes.map((c) => c.name).sort(), [...sample.classes].sort());
  for (const image of dataset.images) assert.equal(image.predicted, predicted.get(image.path)!.label);
  const linked = readdirSync(join(out, 'imagefolder', 'train', sample.classes[0]));
  assert.ok(linked.length > 0 && lstatSync(join(out, 'imagefolder', 'train', sample.classes[0], linked[0])).isSymbolicLink());

  const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /## How the model was chosen/);
  assert.match(card, /On the test set \(\d+ labelled images/);
  assert.match(card, /fingerprint/);

  // The same folder again is refused, and what is there stays; --replace replaces it whole.
  writeFileSync(join(out, 'mine.txt'), 'keep me');
  await assert.rejects(cli('export', '--out', out), (error: { stderr: string }) => /this folder exists and is not empty/.test(error.stderr));
  assert.equal(readFileSync(join(out, 'mine.txt'), 'utf8'), 'keep me');
  const replaced = (await cli('export', '--out', out, '--format', 'onnx', '--no-embeddings', '--replace')) as { files: { path: string }[] };
  assert.equal(existsSync(join(out, 'mine.txt')), false);
  assert.equal(existsSync(join(out, 'model.tfjs')), false);
  assert.ok(replaced.files.some((f) => f.path.endsWith('model.onnx')));

  // An export that fails part-way (an image gone from disk when its copy is made) names the file, and leaves
  // neither a folder nor its hidden staging folder behind.
  const gone = fromScript[1].path;
  rmSync(gone);
  const failing = join(work, 'export-with-copies');
  await assert.rejects(cli('export', '--out', failing, '--image-folder', 'copy'), (error: { stderr: string }) => error.stderr.includes(`${gone}: cannot copy it into the ImageFolder tree`));
  assert.equal(existsSync(failing), false);
  assert.deepEqual(readdirSync(work).filter((name) => name.includes('.partial-')), []);
});
