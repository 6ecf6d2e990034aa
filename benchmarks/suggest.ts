/**
 * Does labelling the suggested images beat labelling random ones? Prints one JSON object (progress on stderr):
 *   npm run bench:suggest -- [--checkpoint DIR | --pretrain-minutes 10] [--label-percent 1] [--seeds 3]
 *     [--finetune-epochs 100] [--finetune-batch 64] [--subset N] [--data-dir DIR] [--backend wasm] [--workers 2]
 * On Fashion-MNIST: a SimCLR-pretrained encoder (a bench:quality --save-checkpoint, or the app's CPU preset
 * pretrained here for the budget) embeds the 60,000 train images into a project store, as the app's embed job
 * would. 1 % of them (600) are labelled as suggestLabels picks them before any classifier exists (cold start,
 * one `seed` per run) or at random, and each labelled set is scored on the 10,000 test images by the app's
 * fine-tuning (bench:quality's recipe) and by two classifiers on frozen h: a linear probe and the nearest
 * class mean (cosine). --finetune-epochs 0 skips the fine-tuning, the slow part.
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { finetuneOptionsSchema } from '../src/shared/contract';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from '../src/main/engine/labels/embedding-matrix';
import { suggestLabels } from '../src/main/engine/labels/suggestions';
import { initBackend } from '../src/main/engine/ml/backend';
import { resolvePretrainOptions, simclrConfigOf } from '../src/main/engine/ml/presets';
import { trainLinearProbe } from '../src/main/engine/ml/linear-probe';
import { Rng } from '../src/main/engine/ml/rng';
import { readCheckpointModel } from '../src/main/engine/ml/checkpoint';
import { SimclrModel } from '../src/main/engine/ml/simclr';
import { ProjectStore } from '../src/main/engine/store/project-store';
import { firstImages, loadFashionMnist, type GreyImages } from './quality/fashion-mnist';
import { accuracy, embedWith, finetuneClassifier, freshStart, predictAll, type LabelledIndices } from './quality/finetune';
import { pretrainWithinBudget } from './quality/pretrain-budget';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    'pretrain-minutes': { type: 'string', default: '10' },
    'label-percent': { type: 'string', default: '1' },
    seeds: { type: 'string', default: '3' },
    // bench:quality's fine-tuning recipe: Adam 1e-3, batch 64, 100 epochs over the 1 % labels.
    'finetune-epochs': { type: 'string', default: '100' },
    'finetune-batch': { type: 'string', default: '64' },
    subset: { type: 'string' },
    'data-dir': { type: 'string' },
    backend: { type: 'string' },
    workers: { type: 'string', default: '2' },
  },
});

const numClasses = 10;
/** The app's fine-tuning defaults. */
const { features, learningRate } = finetuneOptionsSchema.parse({});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const finetuneEpochs = Number(values['finetune-epochs']);
const log = (line: string) => process.stderr.write(`${line}\n`);
const percent = (x: number) => +(100 * x).toFixed(2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const startedAt = performance.now();
const seconds = (since: number) => Math.round((performance.now() - since) / 1000);
const work = join(tmpdir(), `simclr-bench-suggest-${process.pid}`);

/** The checkpoint's model, or the app's CPU preset (bench:quality's default) pretrained on `train` for the budget. */
async function pretrainedModel(train: GreyImages, backend: string): Promise<{ model: SimclrModel; pretrain: object }> {
  if (values.checkpoint) {
    const model = await readCheckpointModel(values.checkpoint);
    return { model, pretrain: { checkpoint: values.checkpoint, steps: model.step } };
  }
  const options = resolvePretrainOptions({ preset: 'cpu' }, backend);
  const model = SimclrModel.create({ workers: Number(values.workers), ...simclrConfigOf(options) });
  const run = await pretrainWithinBudget(model, train, { budgetSeconds: Number(values['pretrain-minutes']) * 60, batchSize: options.batchSize, log });
  return { model, pretrain: { ...run, lastLoss: +run.lastLoss.toFixed(4), seconds: Math.round(run.seconds) } };
}

/**
 * A project holding one row per train image (image id = index + 1) and its h, as the app's store would after
 * import and `embed`: suggestions read only the store and the embeddings, so no image file is written.
 */
function projectWith(count: number, features: Float32Array, dim: number): ProjectStore {
  const store = ProjectStore.open(join(work, 'project'));
  store.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      store.addImage({ path: `/fashion-mnist/train/${i}.png`, root: '/fashion-mnist/train', relPath: `${i}.png`, hash: `h${i}`, bytes: 1, width: 28, height: 28 });
    }
  })();
  store.saveEmbeddings(Array.from({ length: count }, (_, i) => ({ imageId: i + 1, vector: features.subarray(i * dim, (i + 1) * dim) })));
  return store;
}

/** The rows at `indices` of flat [n × dim] features. */
function rowsOf(features: Float32Array, dim: number, indices: number[]): Float32Array {
  const rows = new Float32Array(indices.length * dim);
  indices.forEach((index, row) => rows.set(features.subarray(index * dim, (index + 1) * dim), row * dim));
  return rows;
}

/** Nearest mean of the labelled unit-length h per class, by cosine; a class without labels is never predicted. */
function classMeanPredict(matrix: EmbeddingMatrix, examples: LabelledIndices, queries: Float32Array): Int32Array {
  const { data, dim } = matrix;
  const means = Array.from({ length: numClasses }, () => new Float64Array(dim));
  examples.indices.forEach((row, i) => {
    for (let k = 0; k < dim; k++) means[examples.labels[i]][k] += data[row * dim + k];
  });
  const norms = means.map((m) => Math.sqrt(m.reduce((a, v) => a + v * v, 0)));
  const predicted = new Int32Array(queries.length / dim);
  for (let q = 0; q < predicted.length; q++) {
    let bestScore = -Infinity;
    // A query's own length does not change which mean is nearest by cosine, so it is left unnormalised.
    means.forEach((m, c) => {
      if (norms[c] === 0) return;
      let score = 0;
      for (let k = 0; k < dim; k++) score += queries[q * dim + k] * m[k];
      if (score / norms[c] > bestScore) [predicted[q], bestScore] = [c, score / norms[c]];
    });
  }
  return predicted;
}

const backend = await initBackend(values.backend);
const data = await loadFashionMnist(values['data-dir']);
const train = values.subset ? firstImages(data.train, Number(values.subset)) : data.train;
const test = data.test;
const { model, pretrain } = await pretrainedModel(train, backend);
const { encoder, imageSize } = model.config;
const dim = model.encoder.outputs[0].shape[1] as number;
let since = performance.now();
const [trainH, testH] = [await embedWith(model.encoder, train, [...train.labels.keys()]), await embedWith(model.encoder, test, [...test.labels.keys()])];
log(`embedded ${train.count} + ${test.count} images in ${seconds(since)} s`);

await rm(work, { recursive: true, force: true });
const store = projectWith(train.count, trainH, dim);
const matrix = loadEmbeddingMatrix(store);
const budget = Math.round((train.count * Number(values['label-percent'])) / 100);

/** Test accuracies of the three classifiers trained on one labelled set. */
async function score(indices: number[], seed: number) {
  const examples = { indices, labels: indices.map((i) => train.labels[i]) };
  const perClass = Array.from({ length: numClasses }, (_, c) => examples.labels.filter((l) => l === c).length);
  const probe = trainLinearProbe(rowsOf(trainH, dim, indices), dim, examples.labels, { numClasses });
  const linearProbe = accuracy(await probe.predict(testH), test.labels);
  probe.dispose();
  const classMean = accuracy(classMeanPredict(matrix, examples, testH), test.labels);
  let finetune: number | null = null;
  if (finetuneEpochs > 0) {
    const start = freshStart(model, features, seed, true);
    const classifier = await finetuneClassifier(start, train, examples, numClasses, { epochs: finetuneEpochs, batchSize: Number(values['finetune-batch']), learningRate, seed });
    finetune = percent(accuracy((await predictAll(classifier, test)).classes, test.labels));
    classifier.dispose();
  }
  return { classesCovered: perClass.filter((n) => n > 0).length, labelsPerClass: perClass, finetune, linearProbe: percent(linearProbe), classMean: percent(classMean) };
}

type Run = Awaited<ReturnType<typeof score>> & { seed: number };
const runs: Record<'suggested' | 'random', Run[]> = { suggested: [], random: [] };
let suggestSeconds = 0;
for (const seed of seeds) {
  since = performance.now();
  // Image ids were given in train order, so a suggestion's train index is its id − 1.
  const suggested = suggestLabels(store, matrix, budget, { seed }).suggestions.map((s) => s.imageId - 1);
  suggestSeconds += (performance.now() - since) / 1000;
  const random = new Rng(1000 + seed).shuffle([...train.labels.keys()]).slice(0, budget);
  for (const [name, chosen] of [['suggested', suggested], ['random', random]] as const) {
    runs[name].push({ seed, ...(await score(chosen, seed)) });
    log(`seed ${seed} ${name}: ${JSON.stringify(runs[name].at(-1))}`);
  }
}

const summary = (name: 'suggested' | 'random') => {
  const meanOf = (key: 'finetune' | 'linearProbe' | 'classMean' | 'classesCovered') => +mean(runs[name].map((r) => r[key] ?? NaN)).toFixed(2);
  return {
    meanFinetune: finetuneEpochs > 0 ? meanOf('finetune') : null,
    meanLinearProbe: meanOf('linearProbe'),
    meanClassMean: meanOf('classMean'),
    meanClassesCovered: meanOf('classesCovered'),
    perSeed: runs[name],
  };
};

console.log(
  JSON.stringify({
    dataset: 'Fashion-MNIST',
    trainImages: train.count,
    evaluatedOn: `${test.count} test images`,
    labelled: budget,
    backend,
    encoder,
    imageSize,
    pretrain,
    finetuneEpochs,
    seeds,
    accuracyUnit: 'percent',
    suggested: summary('suggested'),
    random: summary('random'),
    suggestSecondsPerRun: +(suggestSeconds / seeds.length).toFixed(1),
    seconds: seconds(startedAt),
  }),
);
store.close();
model.dispose();
await rm(work, { recursive: true, force: true });
