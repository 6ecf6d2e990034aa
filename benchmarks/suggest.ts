/**
 * Does labelling the suggested images beat labelling random ones? Prints one JSON object:
 *   node --import tsx benchmarks/suggest.ts [--per-class 150] [--classes 6] [--size 32] [--pretrain-seconds 300]
 * On the sample generator's shapes: pretrain resnet-tiny once with SimCLR, embed every image, then label 1 %
 * chosen by suggestLabels (as the app does before any classifier exists) or chosen at random (3 seeds), and
 * measure accuracy on the images left unlabelled with two classifiers from the same pretrained encoder:
 * the app's fine-tuning (encoder + softmax, ml/classifier.ts) and a nearest class-mean on h (cosine).
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from '../src/main/engine/labels/embedding-matrix';
import { suggestLabels } from '../src/main/engine/labels/suggestions';
import { initBackend } from '../src/main/engine/ml/backend';
import { buildClassifier, predictProbabilities, topClasses, trainClassifierEpoch } from '../src/main/engine/ml/classifier';
import { Rng } from '../src/main/engine/ml/rng';
import { SimclrModel } from '../src/main/engine/ml/simclr';
import { generateSampleFolder } from '../src/main/engine/sample/generate-sample';
import { parseLabelsCsv } from '../src/main/engine/store/csv';
import { ProjectStore } from '../src/main/engine/store/project-store';

const { values } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '150' },
    classes: { type: 'string', default: '6' },
    size: { type: 'string', default: '32' },
    'pretrain-seconds': { type: 'string', default: '300' },
    'max-epochs': { type: 'string', default: '30' },
    'finetune-epochs': { type: 'string', default: '30' },
    backend: { type: 'string' },
  },
});
const size = Number(values.size);
const seeds = [1, 2, 3];
const startedAt = performance.now();
const work = join(tmpdir(), `simclr-bench-suggest-${process.pid}`);

/** The sample folder's images as one float32 [N, size, size, 3] tensor in [0, 1], with their class index. */
async function loadSample(): Promise<{ images: tf.Tensor4D; labels: number[]; classes: string[]; paths: string[] }> {
  const sample = await generateSampleFolder(join(work, 'sample'), {
    perClass: Number(values['per-class']),
    classes: Number(values.classes),
    size,
    seed: 42,
  });
  const rows = parseLabelsCsv(await readFile(sample.labelsCsv, 'utf8'), sample.labelsCsv);
  const pixels = new Float32Array(rows.length * size * size * 3);
  for (const [i, row] of rows.entries()) {
    const raw = await sharp(join(sample.dir, row.path)).removeAlpha().resize(size, size, { fit: 'fill' }).raw().toBuffer();
    for (let k = 0; k < raw.length; k++) pixels[i * raw.length + k] = raw[k] / 255;
  }
  return {
    images: tf.tensor4d(pixels, [rows.length, size, size, 3]),
    labels: rows.map((r) => sample.classes.indexOf(r.label)),
    classes: sample.classes,
    paths: rows.map((r) => join(sample.dir, r.path)),
  };
}

async function pretrain(images: tf.Tensor4D): Promise<{ model: SimclrModel; epochs: number; loss: number; seconds: number }> {
  const model = SimclrModel.create({ encoder: 'resnet-tiny', imageSize: size, seed: 1 });
  const rng = new Rng(11);
  const budgetMs = Number(values['pretrain-seconds']) * 1000;
  const begun = performance.now();
  let loss = NaN;
  let epochs = 0;
  while (epochs < Number(values['max-epochs']) && performance.now() - begun < budgetMs) {
    const order = rng.shuffle(Array.from({ length: images.shape[0] }, (_, i) => i));
    let sum = 0;
    let steps = 0;
    for (let start = 0; start + 64 <= order.length; start += 64) {
      const batch = tf.gather(images, order.slice(start, start + 64)) as tf.Tensor4D;
      sum += await model.trainStep(batch);
      batch.dispose();
      steps++;
    }
    loss = sum / steps;
    epochs++;
    process.stderr.write(`pretrain epoch ${epochs}: loss ${loss.toFixed(4)} (${((performance.now() - begun) / 1000).toFixed(0)} s)\n`);
  }
  return { model, epochs, loss, seconds: (performance.now() - begun) / 1000 };
}

function embedAll(model: SimclrModel, images: tf.Tensor4D): Float32Array[] {
  const out: Float32Array[] = [];
  const dim = model.encoder.outputs[0].shape[1] as number;
  for (let start = 0; start < images.shape[0]; start += 256) {
    const batch = images.slice(start, Math.min(256, images.shape[0] - start));
    const flat = model.embed(batch);
    batch.dispose();
    for (let i = 0; i < flat.length / dim; i++) out.push(flat.slice(i * dim, (i + 1) * dim));
  }
  return out;
}

/** A project holding the images (by path) and their embeddings, as the app would after `embed`. */
function projectWith(paths: string[], vectors: Float32Array[]): ProjectStore {
  const store = ProjectStore.open(join(work, 'project'));
  paths.forEach((path, i) => store.addImage({ path, root: work, relPath: path, hash: `h${i}`, bytes: 1, width: size, height: size }));
  store.saveEmbeddings(vectors.map((vector, i) => ({ imageId: i + 1, vector })));
  return store;
}

/** Nearest class mean of unit-length h; classes without a label can never be predicted. */
function centroidAccuracy(matrix: EmbeddingMatrix, labels: number[], chosen: number[]): number {
  const { data, dim } = matrix;
  const means = new Map<number, Float64Array>();
  for (const row of chosen) {
    const mean = means.get(labels[row]) ?? new Float64Array(dim);
    for (let k = 0; k < dim; k++) mean[k] += data[row * dim + k];
    means.set(labels[row], mean);
  }
  const picked = new Set(chosen);
  let correct = 0;
  let total = 0;
  for (let row = 0; row < labels.length; row++) {
    if (picked.has(row)) continue;
    let best = -1;
    let bestScore = -Infinity;
    for (const [label, mean] of means) {
      let dot = 0;
      let norm = 0;
      for (let k = 0; k < dim; k++) [dot, norm] = [dot + data[row * dim + k] * mean[k], norm + mean[k] * mean[k]];
      if (dot / Math.sqrt(norm) > bestScore) [best, bestScore] = [label, dot / Math.sqrt(norm)];
    }
    correct += best === labels[row] ? 1 : 0;
    total++;
  }
  return correct / total;
}

/** The app's fine-tuning from a fresh copy of the pretrained encoder, scored on the unlabelled rest. */
async function finetuneAccuracy(checkpoint: string, images: tf.Tensor4D, labels: number[], chosen: number[], seed: number): Promise<number> {
  const classes = [...new Set(chosen.map((row) => labels[row]))].sort((a, b) => a - b);
  const picked = new Set(chosen);
  const rest = labels.map((_, row) => row).filter((row) => !picked.has(row));
  // The app refuses to fine-tune on one class; a classifier that knows one class predicts it everywhere.
  if (classes.length < 2) return rest.filter((row) => labels[row] === classes[0]).length / rest.length;
  const { encoder, head, optimizer: pretrainOptimizer } = await SimclrModel.loadCheckpoint(checkpoint);
  const model = buildClassifier(encoder, classes.length);
  const optimizer = tf.train.adam(1e-3);
  const rng = new Rng(seed);
  const trainImages = tf.gather(images, chosen) as tf.Tensor4D;
  const trainLabels = chosen.map((row) => classes.indexOf(labels[row]));
  for (let epoch = 0; epoch < Number(values['finetune-epochs']); epoch++) {
    await trainClassifierEpoch(model, [{ images: trainImages, labels: trainLabels }], optimizer, rng);
  }
  let correct = 0;
  for (let start = 0; start < rest.length; start += 256) {
    const rows = rest.slice(start, start + 256);
    const batch = tf.gather(images, rows) as tf.Tensor4D;
    const probabilities = predictProbabilities(model, batch);
    batch.dispose();
    topClasses(probabilities, classes.length).forEach((top, i) => {
      correct += classes[top.classIndex] === labels[rows[i]] ? 1 : 0;
    });
  }
  tf.dispose([trainImages]);
  [model, head].forEach((m) => m.dispose());
  [optimizer, pretrainOptimizer].forEach((o) => o.dispose());
  return correct / rest.length;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number) => +x.toFixed(4);

await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const backend = await initBackend(values.backend);
const { images, labels, classes, paths } = await loadSample();
const pretrained = await pretrain(images);
const checkpoint = join(work, 'checkpoint');
await pretrained.model.saveCheckpoint(checkpoint);
const store = projectWith(paths, embedAll(pretrained.model, images));
pretrained.model.dispose();
const matrix = loadEmbeddingMatrix(store);
const budget = Math.max(1, Math.round(labels.length / 100));

const runs: Record<'suggested' | 'random', { classesCovered: number; finetuneAccuracy: number; centroidAccuracy: number }[]> = { suggested: [], random: [] };
for (const seed of seeds) {
  // Rows are image ids − 1: the project's ids were assigned in sample order.
  const suggested = suggestLabels(store, matrix, budget, { seed }).suggestions.map((s) => s.imageId - 1);
  const random = new Rng(1000 + seed).shuffle(labels.map((_, row) => row)).slice(0, budget);
  for (const [name, chosen] of [['suggested', suggested], ['random', random]] as const) {
    runs[name].push({
      classesCovered: new Set(chosen.map((row) => labels[row])).size,
      finetuneAccuracy: round(await finetuneAccuracy(checkpoint, images, labels, chosen, seed)),
      centroidAccuracy: round(centroidAccuracy(matrix, labels, chosen)),
    });
    process.stderr.write(`seed ${seed} ${name}: ${JSON.stringify(runs[name].at(-1))}\n`);
  }
}
const summary = (name: 'suggested' | 'random') => ({
  meanClassesCovered: round(mean(runs[name].map((r) => r.classesCovered))),
  meanFinetuneAccuracy: round(mean(runs[name].map((r) => r.finetuneAccuracy))),
  meanCentroidAccuracy: round(mean(runs[name].map((r) => r.centroidAccuracy))),
  perSeed: runs[name],
});

console.log(
  JSON.stringify({
    dataset: `sample generator, ${classes.length} classes × ${values['per-class']} at ${size} px`,
    images: labels.length,
    labelled: budget,
    backend,
    pretrain: { encoder: 'resnet-tiny', epochs: pretrained.epochs, loss: round(pretrained.loss), seconds: Math.round(pretrained.seconds) },
    finetuneEpochs: Number(values['finetune-epochs']),
    seeds,
    suggested: summary('suggested'),
    random: summary('random'),
    seconds: Math.round((performance.now() - startedAt) / 1000),
  }),
);
store.close();
images.dispose();
await rm(work, { recursive: true, force: true });
