/**
 * Representation quality of the app's SimCLR recipe on Fashion-MNIST, printed as one JSON object (progress
 * on stderr):
 *   npm run bench:quality -- [--budget-minutes 25] [--subset N] [--finetune-epochs 100] [--finetune-batch 64]
 *     [--finetune-features head|h] [--seed 1]
 *     [--preset cpu] [--encoder E] [--image-size N] [--batch N] [--temperature T] [--optimizer adam|lars] [--lr X]
 *     [--pseudo-per-class 1000] [--save-checkpoint DIR | --checkpoint DIR]
 * Pretrains with an app preset (the CPU one by default; the other flags override it, as in the app) on the
 * train images for a wall-time budget, then on the 10,000 test images reports weighted kNN
 * (k=200, cosine, exp(sim/0.1)), kNN on raw pixels, a linear probe on frozen h, fine-tuning with 1 % and 10 %
 * of the labels against the same network from scratch (what the app offers a user), and, as diagnostics the app
 * does not offer, frozen-feature classifiers and self-training on confident pseudo-labels at 1 %.
 * --save-checkpoint writes the pretrained model (SimclrModel.saveCheckpoint) for bench:suggest to reuse;
 * --checkpoint evaluates a saved one instead of pretraining (its encoder, size and recipe win over the flags),
 * so the evaluation side can be iterated on in minutes.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { finetuneOptionsSchema, pretrainOptionsSchema } from '../src/shared/contract';
import { initBackend } from '../src/main/engine/ml/backend';
import { representationDim } from '../src/main/engine/ml/encoder';
import { knnPredict } from '../src/main/engine/ml/knn';
import { trainLinearProbe } from '../src/main/engine/ml/linear-probe';
import { resolvePretrainOptions, simclrConfigOf } from '../src/main/engine/ml/presets';
import { SimclrModel } from '../src/main/engine/ml/simclr';
import { balancedSubset, firstImages, loadFashionMnist, pixelFeatures, type GreyImages } from './quality/fashion-mnist';
import { accuracy, embedWith, finetuneClassifier, freshStart, predictAll, type FinetuneRecipe, type LabelledIndices } from './quality/finetune';
import { pretrainWithinBudget } from './quality/pretrain-budget';
import { confidentPseudoLabels } from './quality/self-training';

const { values } = parseArgs({
  options: {
    'budget-minutes': { type: 'string', default: '25' },
    subset: { type: 'string' },
    // Epochs over the 1 % labels; fine-tuning runs ~1000 img/s at 16 px, so 100 epochs of 600 images take about a minute.
    'finetune-epochs': { type: 'string', default: '100' },
    'finetune-batch': { type: 'string', default: '64' },
    // head or h; absent, the app's default (head: SimCLRv2's fine-tuning from the head's first layer).
    'finetune-features': { type: 'string' },
    seed: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'cpu' },
    encoder: { type: 'string' },
    'image-size': { type: 'string' },
    batch: { type: 'string' },
    temperature: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    'pseudo-per-class': { type: 'string', default: '1000' },
    'save-checkpoint': { type: 'string' },
    checkpoint: { type: 'string' },
    'data-dir': { type: 'string' },
    backend: { type: 'string' },
    // Training threads: the data-parallel trainer splits each batch across them (wasm is one thread each).
    workers: { type: 'string', default: '2' },
  },
});

const optionalNumber = (flag: string | undefined) => (flag === undefined ? undefined : Number(flag));
const budgetMinutes = Number(values['budget-minutes']);
const seed = Number(values.seed);
const finetuneEpochs = Number(values['finetune-epochs']);
const pseudoPerClass = Number(values['pseudo-per-class']);
const numClasses = 10;
/** The kNN monitor of Wu et al. and the SimCLR literature. */
const knnOptions = { k: 200, temperature: 0.1 };
/** The app's fine-tuning learning rate (finetuneOptionsSchema); batch 64 rather than its 32 trains faster per image on wasm. */
const finetuneBatch = Number(values['finetune-batch']);
const finetuneLr = 1e-3;
const finetuneFeatures = finetuneOptionsSchema.shape.features.parse(values['finetune-features']);

const log = (line: string) => process.stderr.write(`${line}\n`);
const phaseSeconds: Record<string, number> = {};
async function phase<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const startedAt = performance.now();
  log(`— ${name}`);
  const result = await work();
  phaseSeconds[name] = +((performance.now() - startedAt) / 1000).toFixed(1);
  log(`— ${name}: ${phaseSeconds[name]} s`);
  return result;
}
const percent = (x: number) => +(100 * x).toFixed(2);
const startedAt = performance.now();

const backend = await initBackend(values.backend);
// The same resolution (and validation) as a pretraining job's: the preset, then the flags given.
const requested = pretrainOptionsSchema.parse({
  preset: values.preset,
  encoder: values.encoder,
  imageSize: optionalNumber(values['image-size']),
  batchSize: optionalNumber(values.batch),
  temperature: optionalNumber(values.temperature),
  optimizer: values.optimizer,
  learningRate: optionalNumber(values.lr),
  seed,
});
const resolved = resolvePretrainOptions(requested, backend);
const batch = resolved.batchSize;
const data = await phase('load', () => loadFashionMnist(values['data-dir']));
const train: GreyImages = values.subset ? firstImages(data.train, Number(values.subset)) : data.train;
const test = data.test;

const workers = Number(values.workers);
const model = values.checkpoint
  ? await SimclrModel.loadCheckpoint(values.checkpoint, { workers })
  : SimclrModel.create({ workers, ...simclrConfigOf(resolved) });
const { encoder, imageSize, temperature, optimizer, learningRate } = model.config;
const run = values.checkpoint ? null : await phase('pretrain', () => pretrainWithinBudget(model, train, { budgetSeconds: budgetMinutes * 60, batchSize: batch, log }));
if (values['save-checkpoint']) await model.saveCheckpoint(values['save-checkpoint']);
/** How the encoder was pretrained: here within the budget, or earlier (a checkpoint, whose steps are known). */
const pretraining = run
  ? {
      budgetMinutes,
      steps: run.steps,
      epochsSeen: +run.epochsSeen.toFixed(3),
      imagesPerSecond: +(run.imagesSeen / run.seconds).toFixed(1),
      finalLoss: +run.lastLoss.toFixed(4),
    }
  : { checkpoint: values.checkpoint, steps: model.step, epochsCompleted: model.epoch };

const everyIndex = (set: GreyImages) => Array.from({ length: set.count }, (_, i) => i);
const dim = representationDim(encoder);
const [trainH, testH] = await phase('embed', async () => [await embedWith(model.encoder, train, everyIndex(train)), await embedWith(model.encoder, test, everyIndex(test))]);

/** The rows at `indices` of flat [n × dim] features. */
function rowsOf(features: Float32Array, indices: number[]): Float32Array {
  const rows = new Float32Array(indices.length * dim);
  indices.forEach((index, row) => rows.set(features.subarray(index * dim, (index + 1) * dim), row * dim));
  return rows;
}

const knnAccuracy = await phase('knn', async () => accuracy(await knnPredict({ features: trainH, labels: train.labels }, testH, dim, knnOptions), test.labels));
const knnRawPixelAccuracy = await phase('knnRawPixels', async () =>
  accuracy(await knnPredict({ features: pixelFeatures(train), labels: train.labels }, pixelFeatures(test), train.side ** 2, knnOptions), test.labels),
);

/** Linear probe fitted on the h of the given train images, scored on the test set. */
async function linearProbeAccuracy(examples: LabelledIndices): Promise<number> {
  const probe = trainLinearProbe(rowsOf(trainH, examples.indices), dim, examples.labels, { numClasses });
  const result = accuracy(await probe.predict(testH), test.labels);
  probe.dispose();
  return result;
}
const allLabels = { indices: everyIndex(train), labels: Array.from(train.labels) };
const linearProbe = await phase('linearProbe', () => linearProbeAccuracy(allLabels));

const recipe = (epochs: number): FinetuneRecipe => ({ epochs, batchSize: finetuneBatch, learningRate: finetuneLr, seed });
const onePercent = balancedSubset(train, Math.max(1, Math.round(train.count / 100 / numClasses)), seed);
const tenPercent = balancedSubset(train, Math.max(1, Math.round(train.count / 10 / numClasses)), seed);
// Every fine-tune (10 %, the self-training pool) sees as many images as the 1 % one, so all fit the evaluation time.
const epochsFor = (examples: LabelledIndices) => Math.max(1, Math.round((finetuneEpochs * onePercent.indices.length) / examples.indices.length));

const testAccuracyOf = async (classifier: tf.LayersModel) => accuracy((await predictAll(classifier, test)).classes, test.labels);

/** The recipe from the pretrained weights or from a random init (scratch). */
function finetuneFrom(pretrained: boolean, examples: LabelledIndices, epochs: number): Promise<tf.LayersModel> {
  return finetuneClassifier(freshStart(model, finetuneFeatures, seed, pretrained), train, examples, numClasses, recipe(epochs));
}

/** Fine-tunes the pretrained encoder and the same network from scratch on the same labels; returns the classifiers' test accuracies. */
async function finetuneBoth(name: string, examples: LabelledIndices) {
  const epochs = epochsFor(examples);
  const pretrained = await phase(`finetune${name}Pretrained`, () => finetuneFrom(true, examples, epochs));
  const scratch = await phase(`finetune${name}Scratch`, () => finetuneFrom(false, examples, epochs));
  const result = { labels: examples.indices.length, epochs, pretrained: percent(await testAccuracyOf(pretrained)), scratch: percent(await testAccuracyOf(scratch)) };
  scratch.dispose();
  log(`${name}: ${JSON.stringify(result)}`);
  return { result, pretrained };
}

const one = await finetuneBoth('1', onePercent);
const ten = await finetuneBoth('10', tenPercent);
ten.pretrained.dispose();

const frozenKnn1 = await phase('frozenKnn1', async () =>
  accuracy(await knnPredict({ features: rowsOf(trainH, onePercent.indices), labels: onePercent.labels }, testH, dim, knnOptions), test.labels),
);
const frozenLinear1 = await phase('frozenLinear1', () => linearProbeAccuracy(onePercent));

const selfTraining = await phase('selfTraining1', async () => {
  const teacher = await predictAll(one.pretrained, train);
  one.pretrained.dispose();
  const pseudo = confidentPseudoLabels(teacher, numClasses, pseudoPerClass, new Set(onePercent.indices));
  const pool = { indices: [...onePercent.indices, ...pseudo.indices], labels: [...onePercent.labels, ...pseudo.labels] };
  const student = await finetuneFrom(true, pool, epochsFor(pool));
  const result = {
    pseudoLabels: pseudo.indices.length,
    pseudoLabelAccuracy: percent(accuracy(pseudo.labels, pseudo.indices.map((i) => train.labels[i]))),
    teacherTrainAccuracy: percent(accuracy(teacher.classes, train.labels)),
    epochs: epochsFor(pool),
    accuracy: percent(await testAccuracyOf(student)),
  };
  student.dispose();
  return result;
});
model.dispose();

console.log(
  JSON.stringify({
    ...pretraining,
    trainImages: train.count,
    testImages: test.count,
    backend,
    // A checkpoint records what the model is, not the preset and batch it was trained with.
    ...(values.checkpoint ? {} : { preset: resolved.preset, batch }),
    encoder,
    imageSize,
    temperature,
    optimizer,
    learningRate,
    workers,
    finetuneBatch,
    finetuneFeatures,
    knnAccuracy: percent(knnAccuracy),
    knnRawPixelAccuracy: percent(knnRawPixelAccuracy),
    linearProbeAccuracy: percent(linearProbe),
    finetune1Percent: one.result,
    finetune10Percent: ten.result,
    finetune1GainPoints: +(one.result.pretrained - one.result.scratch).toFixed(2),
    frozenKnn1PercentAccuracy: percent(frozenKnn1),
    frozenLinear1PercentAccuracy: percent(frozenLinear1),
    selfTraining1Percent: selfTraining,
    phaseSeconds,
    totalSeconds: +((performance.now() - startedAt) / 1000).toFixed(1),
  }),
);
