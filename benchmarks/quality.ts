/**
 * What a user gets from a folder and a few labels, measured through the product's own path, printed as one JSON
 * object (progress on stderr):
 *   npm run bench:quality -- [--datasets fashion-mnist,tinted] [--train 60000] [--test 10000]
 *     [--pretrain-minutes 10] [--budgets 10/class,1%,10%] [--draws 3] [--flip-labels 600] [--flip-fraction 0.05]
 *     [--reference-seconds 90] [--preset cpu] [--color-strength X] [--augment JSON] [--finetune-epochs N] [--backend wasm] [--root DIR]
 *     [--checkpoint DIR] [--keep-checkpoint DIR]
 * For each dataset it writes a folder of PNG files (train/ and test/; Fashion-MNIST as it comes, or the tinted
 * stand-in for a colour folder whose colours say nothing of the class), imports it into a fresh project
 * (timed apart from the budget), runs the pretrain job within the budget, then for each label budget and draw
 * labels train images as a user would, runs the fine-tune job and scores its stored predictions on the test
 * images, which are in the folder but never labelled. Beside the chosen model: each candidate's cross-validated
 * score as the job reported it, and on the test images the frozen-feature candidates (linear probe and neighbour
 * vote on the encoder's h, with 20-NN and 1-NN beside them) and raw pixels (linear probe, 1-NN, 20-NN). Label errors: fine-tuning on `--flip-labels`
 * labels of which `--flip-fraction` were flipped on purpose, the recall and precision of the first 2×flipped flags.
 * Speed: the pretrain job's images/s against the same preset trained for `--reference-seconds` on the same
 * images held in memory, in this process (the pretraining speed the product's path should not lose).
 * `--checkpoint DIR` skips pretraining: the project starts from that pretrain checkpoint (a project's
 * models/pretrain, or one `--keep-checkpoint DIR` saved), so the few-label figures of two builds can be compared
 * on the same encoder. One dataset at a time then, as a checkpoint belongs to one folder's run.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { FinetuneResult } from '../src/shared/contract';
import { pretrainOptionsSchema } from '../src/shared/contract';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { topClasses } from '../src/main/engine/ml/few-label/classifier';
import { knnPredict } from '../src/main/engine/ml/few-label/knn';
import { neighbourVoteProbabilities } from '../src/main/engine/ml/few-label/neighbour-vote';
import { trainLinearProbe } from '../src/main/engine/ml/few-label/linear-probe';
import { resolvePretrainOptions, simclrConfigOf, trainingWorkers } from '../src/main/engine/ml/training/presets';
import { Rng } from '../src/main/engine/ml/rng';
import { SimclrModel } from '../src/main/engine/ml/model/simclr';
import { learningRateAt } from '../src/main/engine/ml/model/schedule';
import { PixelCache } from '../src/main/engine/data/pixel-cache';
import { frozenFeatures } from '../src/main/engine/jobs/tasks/label-candidates';
import { loadPretrainedEncoder, modelInputSize } from '../src/main/engine/jobs/tasks/load-encoder';
import { loadFashionMnist } from './quality/fashion-mnist';
import { asImageSet, benchDatasets, firstOf, tint, writeBenchFolder, type BenchDataset, type ImageSet } from './quality/image-folder';
import { ProductRun, projectDirFor } from './quality/product-run';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: benchDatasets.join(',') },
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    'pretrain-minutes': { type: 'string', default: '10' },
    budgets: { type: 'string', default: '10/class,1%,10%' },
    draws: { type: 'string', default: '3' },
    'flip-labels': { type: 'string', default: '600' },
    'flip-fraction': { type: 'string', default: '0.05' },
    'reference-seconds': { type: 'string', default: '90' },
    preset: { type: 'string' },
    'color-strength': { type: 'string' },
    // Augmentation overrides as JSON, e.g. '{"grayscaleProb":0.5}' (the pretrain job's augment option).
    augment: { type: 'string' },
    'finetune-epochs': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    root: { type: 'string', default: '.cache/bench' },
    checkpoint: { type: 'string' },
    'keep-checkpoint': { type: 'string' },
  },
});

const numClasses = 10;
const root = resolve(values.root);
const draws = Number(values.draws);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, digits = 4) => +x.toFixed(digits);

/** A label budget as the issue states them: a count per class, or a fraction of the train images. */
function parseBudget(text: string): { name: string; labelsFor: (trainCount: number) => { perClass?: number; total?: number } } {
  const perClass = /^(\d+)\/class$/.exec(text);
  if (perClass) return { name: text, labelsFor: () => ({ perClass: Number(perClass[1]) }) };
  const percent = /^([\d.]+)%$/.exec(text);
  if (percent) return { name: text, labelsFor: (n) => ({ total: Math.round((n * Number(percent[1])) / 100) }) };
  throw new Error(`--budgets: "${text}" is neither N/class nor N%`);
}

/** Train indices to label: `perClass` of each class, or `total` drawn at random as a user's sample would be. */
function drawLabels(labels: Uint8Array, draw: { perClass?: number; total?: number }, rng: Rng): number[] {
  const order = rng.shuffle(Array.from(labels, (_, i) => i));
  if (draw.total !== undefined) return order.slice(0, draw.total);
  const taken = new Array<number>(numClasses).fill(0);
  return order.filter((i) => taken[labels[i]] < draw.perClass! && ++taken[labels[i]] > 0);
}

/** float32 [B, side, side, 3] in [0, 1] from an image set held in memory. */
function batchOf(set: ImageSet, indices: number[]): tf.Tensor4D {
  const area = set.side * set.side;
  const values = new Float32Array(indices.length * area * 3);
  for (let i = 0; i < indices.length; i++) {
    for (let p = 0; p < area; p++) {
      for (let c = 0; c < 3; c++) values[(i * area + p) * 3 + c] = set.pixels[(indices[i] * area + p) * set.channels + (set.channels === 3 ? c : 0)] / 255;
    }
  }
  return tf.tensor4d(values, [indices.length, set.side, set.side, 3]);
}

/** The reference: the preset the product resolves, trained in this process on in-memory batches (same schedule shape). */
async function inMemoryImagesPerSecond(set: ImageSet, seconds: number, backend: string): Promise<number> {
  const options = resolvePretrainOptions(pretrainRequest(), backend);
  const model = SimclrModel.create({ workers: trainingWorkers, ...simclrConfigOf(options) });
  const schedule = { baseLr: options.learningRate, warmupSteps: 10, totalSteps: 100 };
  const rng = new Rng(1);
  let timedSteps = 0;
  let timedFrom = 0;
  const started = performance.now();
  for (let step = 0; (performance.now() - started) / 1000 < seconds; step++) {
    const images = batchOf(set, rng.shuffle(Array.from({ length: set.count }, (_, i) => i)).slice(0, options.batchSize));
    await model.trainStep(images, { learningRate: learningRateAt(step % 100, schedule) });
    images.dispose();
    // The first steps compile kernels and warm caches, as the job's first do; neither is timed.
    if (step === 2) timedFrom = performance.now();
    if (step > 2) timedSteps++;
  }
  model.dispose();
  return (timedSteps * options.batchSize) / ((performance.now() - timedFrom) / 1000);
}

function pretrainRequest() {
  return pretrainOptionsSchema.partial().parse({
    ...(values.preset && { preset: values.preset }),
    ...(values['color-strength'] && { colorStrength: Number(values['color-strength']) }),
    ...(values.augment && { augment: JSON.parse(values.augment) as unknown }),
  });
}

const rowsOf = (vectors: Float32Array[]) => {
  const dim = vectors[0].length;
  const rows = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => rows.set(v, i * dim));
  return { rows, dim };
};
const accuracyOf = (predicted: ArrayLike<number>, truth: ArrayLike<number>) => Array.from(predicted).filter((p, i) => p === truth[i]).length / truth.length;

/** On the test images: the product's linear probe and neighbour vote, weighted 20-NN (Wu et al.'s monitor) and 1-NN, over given features. */
async function frozenScores(train: Float32Array[], trainLabels: number[], test: Float32Array[], testLabels: Uint8Array) {
  const bank = rowsOf(train);
  const queries = rowsOf(test).rows;
  const probe = trainLinearProbe(bank.rows, bank.dim, trainLabels, { numClasses });
  const linear = accuracyOf(await probe.predict(queries), testLabels);
  probe.dispose();
  const labelled = { features: bank.rows, labels: trainLabels };
  const vote = accuracyOf(topClasses(await neighbourVoteProbabilities(labelled, queries, bank.dim, numClasses), numClasses).map((t) => t.classIndex), testLabels);
  const knn = accuracyOf(await knnPredict(labelled, queries, bank.dim, { k: 20 }), testLabels);
  const nearest = accuracyOf(await knnPredict(labelled, queries, bank.dim, { k: 1 }), testLabels);
  return { linear: round(linear), vote: round(vote), knn: round(knn), nearest: round(nearest) };
}

const pixelRow = (set: ImageSet, index: number) => {
  const size = set.side * set.side * set.channels;
  return Float32Array.from(set.pixels.subarray(index * size, (index + 1) * size), (v) => v / 255);
};

const meanSd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean: round(mean), sd: round(sd), runs: xs.map((x) => round(x)) };
};

/** h of every image from the pretrained encoder, as the fine-tune job computes it. */
async function embeddingsOf(run: ProductRun, files: string[]): Promise<Float32Array[]> {
  const encoder = await loadPretrainedEncoder(run.engine.store);
  const { cache } = await PixelCache.build(run.engine.store, modelInputSize(encoder));
  const ids = files.map((f) => run.imageIdOf.get(f)!);
  const { values, dim } = await frozenFeatures(encoder, cache, ids);
  encoder.dispose();
  return files.map((_, i) => values.slice(i * dim, (i + 1) * dim));
}

async function benchDataset(dataset: BenchDataset, backend: string) {
  const fm = await loadFashionMnist();
  const trainCount = Math.min(Number(values.train), fm.train.count);
  const testCount = Math.min(Number(values.test), fm.test.count);
  const prepare = (set: typeof fm.train, n: number, seed: number) => firstOf(dataset === 'tinted' ? tint(set, seed) : asImageSet(set), n);
  const train = prepare(fm.train, trainCount, 11);
  const test = prepare(fm.test, testCount, 12);
  const writeStarted = performance.now();
  const bench = await writeBenchFolder(root, `${dataset}-${trainCount}-${testCount}`, train, test);
  log(`${dataset}: folder of ${trainCount} + ${testCount} PNGs ready in ${((performance.now() - writeStarted) / 1000).toFixed(0)} s (${bench.folder})`);

  const projectDir = projectDirFor(root, `${dataset}-${trainCount}-${testCount}`);
  rmSync(projectDir, { recursive: true, force: true });
  const run = await ProductRun.open(projectDir, backend);
  try {
    const imported = await run.importFolder(bench);
    log(`${dataset}: imported ${imported.imported} images in ${imported.seconds.toFixed(0)} s`);
    const pretrain = checkpoint ? adoptCheckpoint(run, checkpoint) : await pretrainWithinBudget(run, train, backend);
    log(`${dataset}: pretrained ${JSON.stringify(pretrain)}`);
    if (values['keep-checkpoint']) cpSync(run.engine.store.layout.pretrainCheckpoint, resolve(values['keep-checkpoint']), { recursive: true });

    const trainH = await embeddingsOf(run, bench.trainFiles);
    const testH = await embeddingsOf(run, bench.testFiles);
    const testPixels = bench.testFiles.map((_, i) => pixelRow(test, i));
    await run.createClasses(numClasses);

    const finetuneOptions = values['finetune-epochs'] ? { epochs: Number(values['finetune-epochs']) } : {};
    const budgets = [];
    for (const budget of values.budgets.split(',').map(parseBudget)) {
      const perDraw: Record<string, number>[] = [];
      const cv: Record<string, number[]> = {};
      const chosenNames: string[] = [];
      let finetuneSeconds = 0;
      let labelCount = 0;
      for (let draw = 0; draw < draws; draw++) {
        const picked = drawLabels(train.labels, budget.labelsFor(trainCount), new Rng(1000 + draw));
        labelCount = picked.length;
        await run.setLabels(new Map(picked.map((i) => [bench.trainFiles[i], train.labels[i]])));
        const { result, seconds } = await run.finetune(finetuneOptions);
        finetuneSeconds += seconds;
        const predicted = run.predictions();
        const chosen = accuracyOf(bench.testFiles.map((f) => predicted.get(f) ?? -1), test.labels);
        const pickedLabels = picked.map((i) => train.labels[i]);
        const onH = await frozenScores(picked.map((i) => trainH[i]), pickedLabels, testH, test.labels);
        const onPixels = await frozenScores(picked.map((i) => pixelRow(train, i)), pickedLabels, testPixels, test.labels);
        perDraw.push({
          chosen,
          linearOnH: onH.linear,
          voteOnH: onH.vote,
          knn20OnH: onH.knn,
          nearestOnH: onH.nearest,
          pixelsLinear: onPixels.linear,
          pixelsNearest: onPixels.nearest,
          pixelsKnn20: onPixels.knn,
        });
        chosenNames.push(result.chosen);
        for (const candidate of result.candidates) (cv[candidate.name] ??= []).push(candidate.accuracy ?? NaN);
        log(`${dataset} ${budget.name} draw ${draw + 1}: ${labelCount} labels, chose ${result.chosen}, test ${JSON.stringify(perDraw.at(-1))}, ${seconds.toFixed(0)} s`);
      }
      const keys = Object.keys(perDraw[0]);
      budgets.push({
        budget: budget.name,
        labels: labelCount,
        chosen: chosenNames,
        test: Object.fromEntries(keys.map((k) => [k, meanSd(perDraw.map((d) => d[k]))])),
        crossValidated: Object.fromEntries(Object.entries(cv).map(([k, xs]) => [k, meanSd(xs)])),
        finetuneSecondsPerDraw: round(finetuneSeconds / draws, 1),
      });
    }

    const labelErrors = await flippedLabelRecall(run, bench.trainFiles, train.labels);
    return { dataset, trainImages: trainCount, testImages: testCount, importSeconds: round(imported.seconds, 1), pretrain, budgets, labelErrors };
  } finally {
    run.close();
  }
}

/** The pretrain job within the budget, with its speed against the in-memory reference. */
async function pretrainWithinBudget(run: ProductRun, train: ImageSet, backend: string) {
  const referenceRate = await inMemoryImagesPerSecond(train, Number(values['reference-seconds']), backend);
  log(`in-memory reference ${referenceRate.toFixed(1)} img/s`);
  const budgetSeconds = Number(values['pretrain-minutes']) * 60;
  const pretrained = await run.pretrain({ ...pretrainRequest(), epochs: 10_000, timeBudgetSeconds: budgetSeconds });
  const imagesPerSecond = pretrained.metrics.imagesPerSecond ?? NaN;
  return {
    seconds: budgetSeconds,
    imagesPerSecond: round(imagesPerSecond, 1),
    inMemoryImagesPerSecond: round(referenceRate, 1),
    ratioToInMemory: round(imagesPerSecond / referenceRate, 3),
    epochs: round(pretrained.metrics.epoch ?? NaN, 2),
    loss: round(pretrained.metrics.loss ?? NaN),
    options: pretrained.result?.options,
  };
}

/** The project takes a saved pretrain checkpoint as if its own pretrain job had written it. */
function adoptCheckpoint(run: ProductRun, saved: string) {
  cpSync(saved, run.engine.store.layout.pretrainCheckpoint, { recursive: true });
  return { checkpoint: values.checkpoint };
}

/** Label `count` train images, flip a fraction of them to another class, fine-tune, and see how many flags are flips. */
async function flippedLabelRecall(run: ProductRun, trainFiles: string[], labels: Uint8Array) {
  const count = Number(values['flip-labels']);
  if (count === 0) return null;
  const rng = new Rng(7);
  const picked = drawLabels(labels, { total: count }, rng);
  const flips = new Set(picked.slice(0, Math.round(count * Number(values['flip-fraction']))));
  const given = new Map(picked.map((i) => [trainFiles[i], flips.has(i) ? (labels[i] + 1 + rng.int(numClasses - 1)) % numClasses : labels[i]]));
  await run.setLabels(given);
  const { result, seconds }: { result: FinetuneResult; seconds: number } = await run.finetune();
  const flagged = run.flaggedFiles().slice(0, 2 * flips.size);
  const flippedFiles = new Set([...flips].map((i) => trainFiles[i]));
  const caught = flagged.filter((f) => flippedFiles.has(f)).length;
  return { labels: count, flipped: flips.size, flagsConsidered: flagged.length, flagsTotal: result.labelIssues.length, caught, recall: round(caught / flips.size), precision: round(flagged.length ? caught / flagged.length : 0), seconds: round(seconds, 1) };
}

/**
 * A copy of --checkpoint taken before anything is removed: it may lie in the very project folder a run starts
 * afresh (a previous run's models/pretrain).
 */
function savedCheckpoint(): string | undefined {
  if (!values.checkpoint) return undefined;
  const dir = resolve(values.checkpoint);
  if (!existsSync(join(dir, 'state.json'))) throw new Error(`--checkpoint: ${dir} holds no pretrain checkpoint (no state.json)`);
  if (values.datasets.includes(',')) throw new Error('--checkpoint: give one dataset (--datasets), the one the checkpoint was pretrained on');
  const copy = join(mkdtempSync(join(tmpdir(), 'bench-checkpoint-')), 'pretrain');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

const checkpoint = savedCheckpoint();
const backend = await initBackend(values.backend);
const started = performance.now();
const results = [];
for (const dataset of values.datasets.split(',') as BenchDataset[]) {
  if (!benchDatasets.includes(dataset)) throw new Error(`--datasets: unknown "${dataset}" (known: ${benchDatasets.join(', ')})`);
  results.push(await benchDataset(dataset, backend));
}
process.stdout.write(JSON.stringify({ backend, cpus: availableParallelism(), totalSeconds: round((performance.now() - started) / 1000, 1), results }) + '\n');
process.exit(0);
