/**
 * What an export of the default model is on disk and how fast each format loads, through the product's path:
 *   npm run bench:export -- [--train 2000] [--labels-per-class 10] [--pretrain-seconds 60] [--loads 5] [--root DIR]
 * Fashion-MNIST PNGs (bench:quality's folder) are imported into a fresh project, pretrained by the pretrain job
 * with the default (cpu) preset within the time budget, labelled (labels-per-class of the true labels) and
 * fine-tuned by the fine-tune job, then exported by the export job in every format. Each model file is then
 * loaded `loads` times as a user's program would (ONNX Runtime for .onnx, tf.loadLayersModel for TensorFlow.js)
 * and run once on one image; the medians are printed as one JSON object with every file's size.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { ExportResult } from '../src/shared/contract';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { fileLoadHandler } from '../src/main/engine/ml/files/tfjs-files';
import { loadFashionMnist } from './quality/fashion-mnist';
import { asImageSet, firstOf, writeBenchFolder } from './quality/image-folder';
import { ProductRun, projectDirFor } from './quality/product-run';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '2000' },
    'labels-per-class': { type: 'string', default: '10' },
    'pretrain-seconds': { type: 'string', default: '60' },
    loads: { type: 'string', default: '5' },
    root: { type: 'string', default: '.cache/bench' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const root = resolve(values.root);

const { train, test } = await loadFashionMnist();
const images = firstOf(asImageSet(train), Number(values.train));
const folder = await writeBenchFolder(root, `export-${images.count}`, images, firstOf(asImageSet(test), 1));
const projectDir = projectDirFor(root, `export-${images.count}`);
rmSync(projectDir, { recursive: true, force: true });
const run = await ProductRun.open(projectDir, 'wasm');
await run.importFolder(folder);
log(`pretraining for ${values['pretrain-seconds']} s`);
const pretrained = await run.pretrain({ timeBudgetSeconds: Number(values['pretrain-seconds']) });
await run.createClasses(10);
const perClass = Number(values['labels-per-class']);
const labels = new Map<string, number>();
folder.trainFiles.forEach((file, i) => {
  const label = images.labels[i];
  if ([...labels.values()].filter((l) => l === label).length < perClass) labels.set(file, label);
});
await run.setLabels(labels);
const { result: finetuned } = await run.finetune();
log(`fine-tuned: chose ${finetuned.chosen}`);
const out = join(root, `export-${images.count}-out`);
const exportStarted = performance.now();
const exported = await run.engine.waitForJob((await run.engine.call('startExport', { outDir: out, replace: true })).id);
const exportSeconds = (performance.now() - exportStarted) / 1000;
if (exported.state !== 'done') throw new Error(`export ${exported.state}: ${exported.error}`);
run.close();

await initBackend('wasm');
const { inputSize } = JSON.parse(readFileSync(join(out, 'preprocessing.json'), 'utf8')) as { inputSize: number };
const one = new Float32Array(inputSize * inputSize * 3).fill(0.5);
async function timeLoads(load: () => Promise<() => Promise<void>>): Promise<{ loadMs: number; firstRunMs: number }> {
  const loadMs: number[] = [];
  const firstRunMs: number[] = [];
  for (let i = 0; i < Number(values.loads); i++) {
    const started = performance.now();
    const runOnce = await load();
    const loaded = performance.now();
    await runOnce();
    loadMs.push(loaded - started);
    firstRunMs.push(performance.now() - loaded);
  }
  return { loadMs: +median(loadMs).toFixed(1), firstRunMs: +median(firstRunMs).toFixed(1) };
}
const onnx = (file: string) => async () => {
  const session = await ort.InferenceSession.create(join(out, file));
  return async () => {
    await session.run({ image: new ort.Tensor('float32', one, [1, inputSize, inputSize, 3]) });
    await session.release();
  };
};
const tfjs = (dir: string) => async () => {
  const model = await tf.loadLayersModel(fileLoadHandler(join(out, dir)));
  return async () => {
    tf.dispose(model.predict(tf.tensor4d(one, [1, inputSize, inputSize, 3])) as tf.Tensor);
    model.dispose();
  };
};
const loads = {
  'model.onnx (onnxruntime-node, CPU)': await timeLoads(onnx('model.onnx')),
  'model.tfjs (tfjs, wasm backend)': await timeLoads(tfjs('model.tfjs')),
  'encoder.onnx (onnxruntime-node, CPU)': await timeLoads(onnx('encoder.onnx')),
  'encoder.tfjs (tfjs, wasm backend)': await timeLoads(tfjs('encoder.tfjs')),
};
const files = (exported.result as ExportResult).files.map((f) => ({ file: f.path.slice(out.length + 1), bytes: f.bytes }));
console.log(JSON.stringify({ images: images.count, labelled: labels.size, encoder: pretrained.result?.options.encoder, imageSize: inputSize, pretrainEpochs: pretrained.result?.epochs, chosen: finetuned.chosen, exportSeconds: +exportSeconds.toFixed(1), files, loads }, null, 1));
