/**
 * Turns the labels into the best classifier they allow, chosen rather than assumed: the fine-tuned encoder, a
 * linear probe on the frozen encoder's region features and a nearest-neighbour vote on its representation h are
 * each measured by stratified cross-validation over every labelled image (beside raw pixels, the baseline); the
 * best is trained again on all the labels, and predicts a class and its confidence for every image. Its
 * out-of-fold predictions give the confusion matrix; labels the frozen probe's and vote's out-of-fold
 * probabilities say are probably wrong are flagged for review.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CandidateScore, ExportableCandidate, FinetuneOptions, HeldOutReport, TestSetScore } from '../../../../shared/contract';
import { StudioError, finetuneOptionsSchema } from '../../../../shared/contract';
import type { PixelCache } from '../../data/pixel-cache';
import { buildLinearClassifier, topClasses } from '../../ml/few-label/classifier';
import { classReport } from '../../ml/few-label/class-report';
import { crossValidate, defaultFolds, stratifiedFolds, wilsonInterval, type CrossValidated } from '../../ml/few-label/cross-validation';
import { findLabelIssues } from '../../ml/few-label/label-issues';
import { trainLinearProbe } from '../../ml/few-label/linear-probe';
import { buildNeighbourClassifier, neighbourVoteProbabilities } from '../../ml/few-label/neighbour-vote';
import { regionFeatureModel } from '../../ml/few-label/region-features';
import { Rng } from '../../ml/rng';
import type { ProjectStore } from '../../store/project-store';
import { percent } from '../../../../shared/candidate-score';
import { buildCacheWithProgress } from './build-cache';
import { saveClassifier } from './classifier-artifacts';
import { fitFineTuned, predictAll, type EpochReport, type Example } from './finetune-fit';
import { crossValidatedCandidates, crossValidationName, frozenFeatures, pixelFeatures, pretrainingAdvice, scoreOf, type Features } from './label-candidates';
import { loadPretrainedEncoder, modelInputSize } from './load-encoder';
import { recordOutputSources } from '../output-sources';
import type { Task, TaskContext } from './task';

/** The largest side the raw-pixel baseline sees. */
const pixelBaselineSide = 32;

/** The exportable candidates in the order a tie goes: the fine-tuned model, then the probe, then the vote. */
const exportable: ExportableCandidate[] = ['finetune', 'linear', 'knn'];

/** The best exportable candidate by its measured accuracy; the fine-tuned one where none could be measured. */
export function chooseCandidate(candidates: CandidateScore[]): ExportableCandidate {
  const score = (name: ExportableCandidate) => candidates.find((c) => c.name === name)?.accuracy ?? -1;
  return exportable.reduce((best, name) => (score(name) > score(best) ? name : best));
}

/** The chosen candidate's confusion matrix and per-class scores, in the classes' order; null when nothing was held out. */
export function heldOutReport(candidate: ExportableCandidate, labels: number[], predicted: Int32Array, classIds: number[], measuredOn: string): HeldOutReport | null {
  if (!predicted.some((p) => p >= 0)) return null;
  const { confusion, perClass } = classReport(labels, predicted, classIds.length);
  return { candidate, measuredOn, classes: perClass.map((scores, i) => ({ classId: classIds[i], ...scores })), confusion };
}

/** The chosen model's predictions of the test set's images against their labels; null for an empty set. */
export function testSetScore(tested: { imageId: number; classId: number }[], predictedClass: Map<number, number>): TestSetScore | null {
  if (tested.length === 0) return null;
  const correct = tested.filter((l) => predictedClass.get(l.imageId) === l.classId).length;
  return { images: tested.length, correct, accuracy: correct / tested.length, interval: wilsonInterval(correct, tested.length) };
}

/** Cross-validates fine-tuning: one fit per fold on the other folds' labels, predicting the fold. */
async function crossValidateFineTuning(
  context: TaskContext<'finetune'>,
  fit: { cache: PixelCache; examples: Example[]; numClasses: number; options: FinetuneOptions; foldOf: Int32Array; fits: number },
): Promise<CrossValidated> {
  const { cache, examples, numClasses, options, foldOf, fits } = fit;
  const labels = examples.map((e) => e.classIndex);
  let fold = 0;
  return crossValidate(labels, foldOf, async (train, heldOut) => {
    fold++;
    const progress = (p: EpochReport) => reportEpoch(context, p, options.epochs, fold - 1, fits, `Cross-validating fine-tuning, fold ${fold} of ${fits - 1}`);
    const fitted = await fitFineTuned(context.store, cache, train.map((i) => examples[i]), numClasses, options, new Rng(options.seed + fold), progress, context.signal);
    try {
      return (await predictAll(fitted.model, cache, heldOut.map((i) => examples[i].imageId))).map((p) => p.classIndex);
    } finally {
      fitted.model.dispose();
    }
  });
}

function reportEpoch(context: TaskContext<'finetune'>, { epoch, loss, trainAccuracy }: EpochReport, epochs: number, fitIndex: number, fits: number, what: string): void {
  context.report({
    fraction: (fitIndex + epoch / epochs) / fits,
    phase: 'training',
    message: `${what}: epoch ${epoch}/${epochs}, loss ${loss.toFixed(4)}, training accuracy ${percent(trainAccuracy)}`,
    metrics: { epoch, loss, trainAccuracy },
  });
}

/** The frozen encoder with a linear probe fitted on every label's region features, as one exportable model. */
async function fitLinearClassifier(store: ProjectStore, regions: Features, labels: number[], numClasses: number) {
  const probe = trainLinearProbe(regions.values, regions.dim, labels, { numClasses });
  try {
    const model = buildLinearClassifier(regionFeatureModel(await loadPretrainedEncoder(store)), await probe.denseWeights());
    return { model, trainAccuracy: accuracyOn(labels, await probe.predict(regions.values)), loss: NaN };
  } finally {
    probe.dispose();
  }
}

/** The frozen encoder with every label's h as the voting bank, as one exportable model. */
async function fitNeighbourClassifier(store: ProjectStore, representations: Features, labels: number[], numClasses: number) {
  const bank = { features: representations.values, labels };
  const model = buildNeighbourClassifier(await loadPretrainedEncoder(store), bank, numClasses);
  // Each labelled image votes for itself too, as it does in the model.
  const predicted = topClasses(await neighbourVoteProbabilities(bank, representations.values, representations.dim, numClasses), numClasses);
  return { model, trainAccuracy: accuracyOn(labels, predicted.map((p) => p.classIndex)), loss: NaN };
}

const accuracyOn = (labels: number[], predicted: ArrayLike<number>) => labels.filter((label, i) => predicted[i] === label).length / labels.length;

export const finetuneTask: Task<'finetune'> = async (context) => {
  const { store, report, signal } = context;
  const options = finetuneOptionsSchema.parse(context.options);
  // The test set is kept out of everything that follows until the chosen model is scored on it.
  const testIds = store.labels.testImageIds();
  const allLabelled = store.labels.labelled();
  const labelled = allLabelled.filter((l) => !testIds.has(l.imageId));
  const classIds = [...new Set(labelled.map((l) => l.classId))].sort((a, b) => a - b);
  if (classIds.length < 2) throw new StudioError(`Fine-tuning needs labelled images in at least two classes${testIds.size > 0 ? ' outside the test set' : ''}`);
  const names = new Map(store.labels.classes().map((c) => [c.id, c.name]));
  const numClasses = classIds.length;

  const frozen = await loadPretrainedEncoder(store);
  const inputSize = modelInputSize(frozen);
  const cache = await buildCacheWithProgress(context, inputSize);
  const cached = new Set(cache.imageIds());
  const examples = labelled.filter((l) => cached.has(l.imageId)).map((l) => ({ imageId: l.imageId, classIndex: classIds.indexOf(l.classId) }));
  const labels = examples.map((e) => e.classIndex);
  const imageIds = examples.map((e) => e.imageId);
  const regionModel = regionFeatureModel(frozen); // shares the encoder's layers: disposing it frees both
  let representations: Features, regions: Features;
  try {
    representations = await frozenFeatures(frozen, cache, imageIds);
    regions = await frozenFeatures(regionModel, cache, imageIds);
  } finally {
    regionModel.dispose();
  }

  const foldOf = stratifiedFolds(labels, defaultFolds, new Rng(options.seed));
  const folds = Math.max(-1, ...foldOf) + 1;
  const fits = folds + 1; // one per fold, then the chosen model on every label
  report({ fraction: 0, phase: 'comparing', message: `Measuring what ${examples.length} labels allow: ${crossValidationName(foldOf, folds > 0 ? examples.length : 0)}`, metrics: {}, log: true });
  // The pixel baseline at most 32 px (the size import caches): at 224 px its rows would not fit in memory.
  const pixelCache = inputSize > pixelBaselineSide ? await buildCacheWithProgress(context, pixelBaselineSide) : cache;
  const frozenWays = await crossValidatedCandidates({ representations, regions, pixels: pixelFeatures(pixelCache, imageIds), labels, numClasses }, foldOf);
  const fineTuned = await crossValidateFineTuning(context, { cache, examples, numClasses, options, foldOf, fits });
  const candidates = [scoreOf('finetune', fineTuned, foldOf), ...frozenWays.scores];
  const chosen = chooseCandidate(candidates);
  const chosenScore = candidates.find((c) => c.name === chosen)!;
  const chosenPredicted = chosen === 'finetune' ? fineTuned.predicted : frozenWays.predicted.get(chosen)!;
  const heldOut = heldOutReport(chosen, labels, chosenPredicted, classIds, chosenScore.measuredOn);
  store.outputs.saveHeldOutPredictions(
    imageIds.flatMap((imageId, i) => (chosenPredicted[i] < 0 ? [] : [{ imageId, labelledClassId: classIds[labels[i]], predictedClassId: classIds[chosenPredicted[i]] }])),
  );
  const advice = pretrainingAdvice(candidates);
  const choice = chosenScore.accuracy === null ? 'the fine-tuned model (nothing could be held out to compare)' : `${chosenScore.description}, ${percent(chosenScore.accuracy)} by ${chosenScore.measuredOn}`;
  report({ fraction: folds / fits, phase: 'training', message: `Chose ${choice}; training it on all ${examples.length} labels`, metrics: {}, log: true });
  if (advice) report({ fraction: folds / fits, phase: 'training', message: advice, metrics: {}, log: true });

  // Doubted by the frozen probe's and vote's out-of-fold probabilities, even where fine-tuning is chosen: on
  // Fashion-MNIST (600 labels, 30 flipped) a probe on h had 19 of the flips in its top 60 flags, the fine-tuned model 16.
  const labelIssues = findLabelIssues(frozenWays.outOfFold, labels, numClasses).map(({ index, suggested, score }) => ({
    imageId: imageIds[index],
    flaggedClassId: classIds[labels[index]],
    suggestedClassId: classIds[suggested],
    score,
  }));
  store.outputs.saveLabelIssues(labelIssues);
  if (labelIssues.length > 0) {
    const [probe, vote] = (['linear', 'knn'] as const).map((name) => frozenWays.scores.find((c) => c.name === name)!);
    const judge = `a linear probe on the region features and a neighbour vote on h (${percent(probe.accuracy ?? 0)} and ${percent(vote.accuracy ?? 0)} accurate by ${probe.measuredOn})`;
    const message = `${labelIssues.length} labels look wrong to ${judge} (confident learning, out of fold); review them, likeliest first, under "Possibly mislabelled"`;
    report({ fraction: folds / fits, phase: 'training', message, metrics: {}, log: true });
  }

  signal.throwIfAborted();
  const final =
    chosen === 'linear'
      ? await fitLinearClassifier(store, regions, labels, numClasses)
      : chosen === 'knn'
        ? await fitNeighbourClassifier(store, representations, labels, numClasses)
        : await fitFineTuned(store, cache, examples, numClasses, options, new Rng(options.seed), (p) => reportEpoch(context, p, options.epochs, folds, fits, `Fine-tuning on all ${examples.length} labels`), signal);
  const model: tf.LayersModel = final.model;
  try {
    signal.throwIfAborted();
    report({ fraction: 1, phase: 'predicting', message: 'Predicting every image', metrics: {} });
    const allIds = cache.imageIds();
    const predictions = await predictAll(model, cache, allIds);
    store.outputs.savePredictions(allIds.map((imageId, i) => ({ imageId, classId: classIds[predictions[i].classIndex], confidence: predictions[i].confidence })));
    recordOutputSources(store, ['predictions']);
    const predictedClass = new Map(allIds.map((imageId, i) => [imageId, classIds[predictions[i].classIndex]]));
    const test = testSetScore(allLabelled.filter((l) => testIds.has(l.imageId) && predictedClass.has(l.imageId)), predictedClass);
    if (test) report({ fraction: 1, phase: 'predicting', message: `On the test set: ${percent(test.accuracy)} (${test.correct} of ${test.images} right, 95 % interval ${percent(test.interval[0])}–${percent(test.interval[1])})`, metrics: {}, log: true });
    await saveClassifier(store.layout.classifier, model, { labels: classIds.map((id) => names.get(id) ?? String(id)), classIds }, inputSize);
    const { validated, accuracy } = chosenScore;
    const result = { labelled: examples.length, validated, valAccuracy: accuracy, trainAccuracy: final.trainAccuracy, predicted: allIds.length, chosen, heldOut, test, candidates, advice, labelIssues: store.outputs.labelIssues() };
    const accuracyMetrics: Record<string, number> = accuracy === null ? {} : { valAccuracy: accuracy, valLow: chosenScore.interval![0], valHigh: chosenScore.interval![1] };
    return {
      result,
      // A frozen probe or vote has no training loss (NaN), which JSON would carry as null: it is left out.
      metrics: { labelled: examples.length, validated, folds, labelIssues: labelIssues.length, ...accuracyMetrics, ...(test && { testAccuracy: test.accuracy, testImages: test.images }), trainAccuracy: final.trainAccuracy, ...(Number.isFinite(final.loss) && { loss: final.loss }), predicted: allIds.length },
    };
  } finally {
    model.dispose();
  }
};
