/**
 * One fine-tuning fit: a fresh copy of the pretrained encoder (+ the head's first layer, as SimCLRv2 does) and a
 * softmax layer, all trained on the given labelled images with Adam, its rate decayed along a cosine. The
 * fine-tune job fits once per cross-validation fold, then once on every label.
 */
import * as tf from '@tensorflow/tfjs';
import type { FinetuneOptions } from '../../../../shared/contract';
import { chunk, readImageBatch } from '../../data/batches';
import type { PixelCache } from '../../data/pixel-cache';
import { buildClassifier, finetuneLearningRate, predictProbabilities, topClasses, trainClassifierEpoch, type TopClass } from '../../ml/few-label/classifier';
import { setLearningRate } from '../../ml/model/optimizer';
import type { Rng } from '../../ml/rng';
import type { ProjectStore } from '../../store/project-store';
import { loadPretrainedEncoder, loadPretrainedHead } from './load-encoder';

export interface Example {
  imageId: number;
  classIndex: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  trainAccuracy: number;
}

export interface FineTuned {
  model: tf.LayersModel;
  /** Of the last epoch (on augmented views). */
  loss: number;
  trainAccuracy: number;
}

export async function fitFineTuned(
  store: ProjectStore,
  cache: PixelCache,
  train: Example[],
  numClasses: number,
  options: FinetuneOptions,
  rng: Rng,
  onEpoch: (progress: EpochReport) => void,
  signal: AbortSignal,
): Promise<FineTuned> {
  const encoder = await loadPretrainedEncoder(store);
  const head = options.features === 'head' ? await loadPretrainedHead(store) : undefined;
  const model = buildClassifier(encoder, numClasses, { head, seed: options.seed });
  const optimizer = tf.train.adam(options.learningRate);
  let loss = NaN;
  let trainAccuracy = NaN;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      signal.throwIfAborted();
      setLearningRate(optimizer, finetuneLearningRate(epoch, options.epochs, options.learningRate));
      const batches = chunk(rng.shuffle([...train]), options.batchSize).map((batch) => ({
        images: readImageBatch(cache, batch.map((e) => e.imageId)),
        labels: batch.map((e) => e.classIndex),
      }));
      ({ loss, accuracy: trainAccuracy } = await trainClassifierEpoch(model, batches, optimizer, rng).finally(() => batches.forEach((b) => b.images.dispose())));
      onEpoch({ epoch: epoch + 1, loss, trainAccuracy });
    }
    return { model, loss, trainAccuracy };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
}

/** A model's outputs (inference mode) for every image, flat [n × outputs], computed in batches. */
export async function outputsOf(model: tf.LayersModel, cache: PixelCache, imageIds: number[], batchSize = 256): Promise<Float32Array> {
  const all = new Float32Array(imageIds.length * (model.outputs[0].shape[1] as number));
  let offset = 0;
  for (const batchIds of chunk(imageIds, batchSize)) {
    const images = readImageBatch(cache, batchIds);
    const outputs = await predictProbabilities(model, images).finally(() => images.dispose());
    all.set(outputs, offset);
    offset += outputs.length;
  }
  return all;
}

/** The most probable class and its probability for each image. */
export async function predictAll(model: tf.LayersModel, cache: PixelCache, imageIds: number[]): Promise<TopClass[]> {
  return topClasses(await outputsOf(model, cache, imageIds), model.outputs[0].shape[1] as number);
}
