/**
 * Does labelling the suggested images beat labelling random ones? Measured through the product's own path and
 * printed as one JSON object (progress on stderr):
 *   npm run bench:suggest -- [--train 60000] [--test 10000] [--pretrain-minutes 10] [--label-percent 1]
 *     [--draws 3] [--backend wasm] [--root DIR]
 * Fashion-MNIST as a folder of PNG files (bench:quality's, reused) is imported into a fresh project, pretrained
 * by the pretrain job within the budget and embedded by the embed job. Then `label-percent` of the train
 * images are labelled two ways: as "Label these next" suggests them (the suggestLabels command, asked again as
 * labels come in, as a user works through the list; test images it suggests are skipped, never labelled) and
 * at random (`draws` draws). Each labelled set is scored on the test images — in the folder, never labelled —
 * by the fine-tune job's stored predictions and by the product's linear probe on the embed job's h.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/main/engine/ml/backends/backend';
import { trainLinearProbe } from '../src/main/engine/ml/few-label/linear-probe';
import { Rng } from '../src/main/engine/ml/rng';
import { loadFashionMnist } from './quality/fashion-mnist';
import { asImageSet, firstOf, writeBenchFolder } from './quality/image-folder';
import { ProductRun, projectDirFor } from './quality/product-run';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    'pretrain-minutes': { type: 'string', default: '10' },
    'label-percent': { type: 'string', default: '1' },
    draws: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    root: { type: 'string', default: '.cache/bench' },
  },
});

const numClasses = 10;
const log = (line: string) => process.stderr.write(`${line}\n`);
const percent = (x: number) => +(100 * x).toFixed(2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const startedAt = performance.now();

const backend = await initBackend(values.backend);
const fm = await loadFashionMnist();
const train = firstOf(asImageSet(fm.train), Number(values.train));
const test = firstOf(asImageSet(fm.test), Number(values.test));
const name = `fashion-mnist-${train.count}-${test.count}`;
const bench = await writeBenchFolder(resolve(values.root), name, train, test);
const projectDir = projectDirFor(resolve(values.root), `suggest-${name}`);
rmSync(projectDir, { recursive: true, force: true });
const run = await ProductRun.open(projectDir, backend);

const imported = await run.importFolder(bench);
log(`imported ${imported.imported} images in ${imported.seconds.toFixed(0)} s`);
const pretrainSeconds = Number(values['pretrain-minutes']) * 60;
const pretrained = await run.pretrain({ epochs: 10_000, timeBudgetSeconds: pretrainSeconds });
log(`pretrained: ${JSON.stringify(pretrained.result)}`);
await run.embed();
const h = run.embeddings();
await run.createClasses(numClasses);

const trainIndexOf = new Map(bench.trainFiles.map((file, index) => [file, index]));
const budget = Math.round((train.count * Number(values['label-percent'])) / 100);

/** Train indices in the order the product suggests them, asked again after each batch is labelled. */
async function suggestedIndices(): Promise<number[]> {
  await run.setLabels(new Map());
  const chosen: number[] = [];
  while (chosen.length < budget) {
    const { suggestions } = await run.engine.call('suggestLabels', { count: Math.min(1000, 2 * (budget - chosen.length)) });
    const fresh = suggestions.map((s) => trainIndexOf.get(run.fileOf(s.image.id))).filter((i): i is number => i !== undefined && !chosen.includes(i));
    if (fresh.length === 0) throw new Error(`suggestLabels offered no unlabelled train image after ${chosen.length}`);
    chosen.push(...fresh.slice(0, budget - chosen.length));
    await run.setLabels(new Map(chosen.map((i) => [bench.trainFiles[i], train.labels[i]])));
  }
  return chosen;
}

/** The fine-tune job's test accuracy and the product's linear probe on h, for one labelled set. */
async function score(indices: number[]) {
  await run.setLabels(new Map(indices.map((i) => [bench.trainFiles[i], train.labels[i]])));
  const { result, seconds } = await run.finetune();
  const predicted = run.predictions();
  const correct = (classOf: (testIndex: number) => number) => test.labels.filter((label, i) => classOf(i) === label).length / test.count;
  const dim = h.get(bench.testFiles[0])!.length;
  const rows = (files: string[]) => {
    const out = new Float32Array(files.length * dim);
    files.forEach((file, i) => out.set(h.get(file)!, i * dim));
    return out;
  };
  const probe = trainLinearProbe(rows(indices.map((i) => bench.trainFiles[i])), dim, indices.map((i) => train.labels[i]), { numClasses });
  const probed = await probe.predict(rows(bench.testFiles));
  probe.dispose();
  const perClass = Array.from({ length: numClasses }, (_, c) => indices.filter((i) => train.labels[i] === c).length);
  return {
    chosen: result.chosen,
    finetuneJob: percent(correct((i) => predicted.get(bench.testFiles[i]) ?? -1)),
    linearProbeOnH: percent(correct((i) => probed[i])),
    classesCovered: perClass.filter((n) => n > 0).length,
    labelsPerClass: perClass,
    finetuneSeconds: Math.round(seconds),
  };
}

type Scored = Awaited<ReturnType<typeof score>>;
const suggestStarted = performance.now();
const suggested = await suggestedIndices();
const suggestSeconds = (performance.now() - suggestStarted) / 1000;
const suggestedScore = await score(suggested);
log(`suggested: ${JSON.stringify(suggestedScore)}`);
const random: Scored[] = [];
for (let draw = 0; draw < Number(values.draws); draw++) {
  random.push(await score(new Rng(1000 + draw).shuffle([...trainIndexOf.values()]).slice(0, budget)));
  log(`random draw ${draw + 1}: ${JSON.stringify(random.at(-1))}`);
}
run.close();

const meanOf = (key: 'finetuneJob' | 'linearProbeOnH' | 'classesCovered') => +mean(random.map((r) => r[key])).toFixed(2);
console.log(
  JSON.stringify({
    dataset: 'Fashion-MNIST',
    trainImages: train.count,
    evaluatedOn: `${test.count} test images (in the folder, never labelled)`,
    labelled: budget,
    backend,
    importSeconds: Math.round(imported.seconds),
    pretrain: { seconds: pretrainSeconds, ...(pretrained.result as object), imagesPerSecond: pretrained.metrics.imagesPerSecond },
    accuracyUnit: 'percent',
    // Suggestions are deterministic for a given project, so they are one run; the random baseline is `draws` draws.
    suggested: { ...suggestedScore, suggestSeconds: +suggestSeconds.toFixed(1) },
    random: { meanFinetuneJob: meanOf('finetuneJob'), meanLinearProbeOnH: meanOf('linearProbeOnH'), meanClassesCovered: meanOf('classesCovered'), perDraw: random },
    seconds: Math.round((performance.now() - startedAt) / 1000),
  }),
);
process.exit(0);
