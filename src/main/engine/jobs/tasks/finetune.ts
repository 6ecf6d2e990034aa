/**
 * Fine-tunes encoder (+ the head's first layer) + softmax on the labelled images (a stratified part held out
 * for validation), then stores a prediction and its confidence for every image.
 */
import * as tf from '@tensorflow/tfjs';
import type { FinetuneResult } from '../../../../shared/contract';
import { StudioError, finetuneOptionsSchema } from '../../../../shared/contract';
import { chunk, rateAndEta, readImageBatch } from '../../data/batches';
import type { PixelCache } from '../../data/pixel-cache';
import type { ProjectStore } from '../../store/project-store';
import { buildClassifier, finetuneLearningRate, predictProbabilities, topClasses, trainClassifierEpoch, type TopClass } from '../../ml/classifier';
import { setLearningRate } from '../../ml/optimizer';
import { Rng } from '../../ml/rng';
import { buildCacheWithProgress } from './build-cache';
import { saveClassifier } from './classifier-artifacts';
import { loadPretrainedEncoder, loadPretrainedHead, modelInputSize } from './load-encoder';
import { candidateScore, crossValidatedCandidates, frozenRepresentations, pixelFeatures, pretrainingAdvice } from './label-candidates';
import type { Task } from './task';

interface Example {
  imageId: number;
  classIndex: number;
}

/** Holds out about `fraction` of each class, never a class's only image. */
export function stratifiedSplit(examples: Example[], fraction: number, rng: Rng): { train: Example[]; validation: Example[] } {
  const byClass = new Map<number, Example[]>();
  for (const example of examples) byClass.set(example.classIndex, [...(byClass.get(example.classIndex) ?? []), example]);
  const train: Example[] = [];
  const validation: Example[] = [];
  for (const group of byClass.values()) {
    const shuffled = rng.shuffle([...group]);
    const held = Math.min(Math.round(shuffled.length * fraction), shuffled.length - 1);
    validation.push(...shuffled.slice(0, held));
    train.push(...shuffled.slice(held));
  }
  return { train, validation };
}

/** Predicted class index and its probability for each image, in batches. */
async function predictAll(model: tf.LayersModel, cache: PixelCache, imageIds: number[], batchSize: number): Promise<TopClass[]> {
  const numClasses = model.outputs[0].shape[1] as number;
  const predictions: TopClass[] = [];
  for (const batchIds of chunk(imageIds, batchSize)) {
    const images = readImageBatch(cache, batchIds);
    const probabilities = await predictProbabilities(model, images);
    images.dispose();
    predictions.push(...topClasses(probabilities, numClasses));
  }
  return predictions;
}

async function accuracy(model: tf.LayersModel, cache: PixelCache, examples: Example[], batchSize: number): Promise<number> {
  if (examples.length === 0) return NaN;
  const predicted = await predictAll(model, cache, examples.map((e) => e.imageId), batchSize);
  return predicted.filter((p, i) => p.classIndex === examples[i].classIndex).length / examples.length;
}

/** The frozen pretrained encoder's features and raw pixels, cross-validated over the labelled images. */
async function compareWithFrozenFeatures(store: ProjectStore, cache: PixelCache, examples: Example[], numClasses: number, seed: number) {
  const imageIds = examples.map((e) => e.imageId);
  const frozen = await loadPretrainedEncoder(store);
  const representations = await frozenRepresentations(frozen, cache, imageIds).finally(() => frozen.dispose());
  const data = { representations, pixels: pixelFeatures(cache, imageIds), labels: examples.map((e) => e.classIndex), numClasses };
  return crossValidatedCandidates(data, new Rng(seed + 1));
}

/** Validation accuracy is a metric only where images were held out; training accuracy never stands in for it. */
function validationMetrics(validated: number, valAccuracy: number): Record<string, number> {
  return validated > 0 ? { validated, valAccuracy } : { validated };
}

function accuracySentence(validated: number, valAccuracy: number, trainAccuracy: number): string {
  const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
  return validated > 0
    ? `validation accuracy ${percent(valAccuracy)} on ${validated} held-out images`
    : `training accuracy ${percent(trainAccuracy)} (too few labels to hold any out for validation)`;
}

export const finetuneTask: Task<FinetuneResult> = async (context) => {
  const { store, report, signal } = context;
  const options = finetuneOptionsSchema.parse(context.options);
  const labelled = store.labelledImages();
  const classIds = [...new Set(labelled.map((l) => l.classId))].sort((a, b) => a - b);
  if (classIds.length < 2) throw new StudioError('Fine-tuning needs labelled images in at least two classes');
  const names = new Map(store.listClasses().map((c) => [c.id, c.name]));
  const encoder = await loadPretrainedEncoder(store);
  const inputSize = modelInputSize(encoder);
  const head = options.features === 'head' ? await loadPretrainedHead(store) : undefined;
  const model = buildClassifier(encoder, classIds.length, { head, seed: options.seed });
  const optimizer = tf.train.adam(options.learningRate);
  const rng = new Rng(options.seed);
  try {
    const cache = await buildCacheWithProgress(context, inputSize);
    const cached = new Set(cache.imageIds());
    const examples = labelled.filter((l) => cached.has(l.imageId)).map((l) => ({ imageId: l.imageId, classIndex: classIds.indexOf(l.classId) }));
    const { train, validation } = stratifiedSplit(examples, options.validationFraction, rng);
    const startedAt = performance.now();
    let valAccuracy = NaN;
    let trainAccuracy = NaN;
    let loss = NaN;
    for (let epoch = 0; epoch < options.epochs && !signal.aborted; epoch++) {
      setLearningRate(optimizer, finetuneLearningRate(epoch, options.epochs, options.learningRate));
      const order = rng.shuffle([...train]);
      const batches = chunk(order, options.batchSize).map((batch) => ({
        images: readImageBatch(cache, batch.map((e) => e.imageId)),
        labels: batch.map((e) => e.classIndex),
      }));
      ({ loss, accuracy: trainAccuracy } = await trainClassifierEpoch(model, batches, optimizer, rng));
      batches.forEach((b) => b.images.dispose());
      valAccuracy = await accuracy(model, cache, validation, 256);
      const { imagesPerSecond, etaSeconds } = rateAndEta((epoch + 1) * train.length, options.epochs * train.length, startedAt);
      report({
        fraction: (epoch + 1) / options.epochs,
        phase: 'training',
        message: `Epoch ${epoch + 1}/${options.epochs}, loss ${loss.toFixed(4)}, ${accuracySentence(validation.length, valAccuracy, trainAccuracy)}`,
        metrics: { epoch: epoch + 1, loss, trainAccuracy, ...validationMetrics(validation.length, valAccuracy), imagesPerSecond, etaSeconds },
      });
    }
    signal.throwIfAborted();

    report({ fraction: 1, phase: 'predicting', message: 'Predicting every image', metrics: {} });
    const allIds = cache.imageIds();
    const predictions = await predictAll(model, cache, allIds, 256);
    store.savePredictions(allIds.map((imageId, i) => ({ imageId, classId: classIds[predictions[i].classIndex], confidence: predictions[i].confidence })));
    await saveClassifier(store.layout.classifier, model, { labels: classIds.map((id) => names.get(id) ?? String(id)), classIds }, inputSize);
    const validated = validation.length;

    signal.throwIfAborted();
    report({ fraction: 1, phase: 'comparing', message: 'Comparing with simpler uses of the labels (cross-validated)', metrics: {} });
    const fineTuned = candidateScore('finetune', Math.round(valAccuracy * validated), validated, validated > 0 ? `${validated} held-out labelled images` : 'nothing: too few labels to hold any out');
    const candidates = [fineTuned, ...(await compareWithFrozenFeatures(store, cache, examples, classIds.length, options.seed))];
    const advice = pretrainingAdvice(candidates);
    if (advice) report({ fraction: 1, phase: 'comparing', message: advice, metrics: {}, log: true });
    return {
      result: { labelled: examples.length, validated, valAccuracy: validated > 0 ? valAccuracy : null, trainAccuracy, predicted: allIds.length, candidates, advice },
      metrics: { labelled: examples.length, trained: train.length, ...validationMetrics(validated, valAccuracy), trainAccuracy, loss, predicted: allIds.length },
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
};
