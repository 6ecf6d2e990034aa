/**
 * The benchmark's fine-tuning protocol, shared by the pretrained and the from-scratch network so the two
 * differ only in their initial weights: the app's classifier (encoder, the head's first layer where the start
 * has one, softmax; the whole network trained, crop + flip augmentation), Adam with the app's cosine-decayed
 * rate, a fixed number of epochs.
 */
import * as tf from '@tensorflow/tfjs';
import type { FinetuneFeatures } from '../../src/shared/contract';
import { resizeBatch } from '../../src/main/engine/ml/augment';
import { buildClassifier, finetuneLearningRate, predictProbabilities, topClasses, trainClassifierEpoch } from '../../src/main/engine/ml/classifier';
import { setLearningRate } from '../../src/main/engine/ml/optimizer';
import { buildEncoder, representationDim } from '../../src/main/engine/ml/encoder';
import { buildProjectionHead } from '../../src/main/engine/ml/head';
import { Rng } from '../../src/main/engine/ml/rng';
import type { SimclrModel } from '../../src/main/engine/ml/simclr';
import { readAndDispose } from '../../src/main/engine/ml/read-tensor';
import { rgbBatch, type GreyImages } from './fashion-mnist';

export interface FinetuneRecipe {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** Training images and the class each is trained towards (a true label or a pseudo-label). */
export interface LabelledIndices {
  indices: number[];
  labels: number[];
}

/** The network fine-tuning starts from: the encoder and, when the softmax is to sit on its first layer, the head. */
export interface FinetuneStart {
  encoder: tf.LayersModel;
  head?: tf.LayersModel;
}

/**
 * A fresh copy of the pretrained network (what the app's fine-tuning option `features` keeps of it), copied so
 * fine-tuning leaves `model` intact, or (`pretrained` false) the same architecture from a random init: the
 * from-scratch baseline.
 */
export function freshStart(model: SimclrModel, features: FinetuneFeatures, seed: number, pretrained: boolean): FinetuneStart {
  const { encoder: name, imageSize, projectionDim } = model.config;
  const encoder = buildEncoder(name, imageSize, seed);
  if (pretrained) encoder.setWeights(model.encoder.getWeights());
  if (features === 'h') return { encoder };
  const head = buildProjectionHead(representationDim(name), projectionDim, seed + 1000);
  if (pretrained) head.setWeights(model.head.getWeights());
  return { encoder, head };
}

export async function finetuneClassifier(
  start: FinetuneStart,
  data: GreyImages,
  examples: LabelledIndices,
  numClasses: number,
  recipe: FinetuneRecipe,
): Promise<tf.LayersModel> {
  const model = buildClassifier(start.encoder, numClasses, { head: start.head, seed: recipe.seed });
  const optimizer = tf.train.adam(recipe.learningRate);
  const rng = new Rng(recipe.seed);
  const positions = examples.indices.map((_, i) => i);
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    setLearningRate(optimizer, finetuneLearningRate(epoch, recipe.epochs, recipe.learningRate));
    const order = rng.shuffle([...positions]);
    // A generator so only one batch of float pixels exists at a time.
    const batches = function* () {
      for (let start = 0; start < order.length; start += recipe.batchSize) {
        const part = order.slice(start, start + recipe.batchSize);
        const images = rgbBatch(data, part.map((p) => examples.indices[p]));
        yield { images, labels: part.map((p) => examples.labels[p]) };
        images.dispose();
      }
    };
    await trainClassifierEpoch(model, batches(), optimizer, rng);
  }
  optimizer.dispose();
  return model;
}

/** Representations h of the given images under `encoder` (inference mode), flat [n × dim]. */
export async function embedWith(encoder: tf.LayersModel, data: GreyImages, indices: number[], batchSize = 500): Promise<Float32Array> {
  const dim = encoder.outputs[0].shape[1] as number;
  const out = new Float32Array(indices.length * dim);
  for (let start = 0; start < indices.length; start += batchSize) {
    const images = rgbBatch(data, indices.slice(start, start + batchSize));
    out.set(await readAndDispose(tf.tidy(() => encoder.predict(resizeBatch(images, encoder.inputs[0].shape[1] as number)) as tf.Tensor)), start * dim);
    images.dispose();
  }
  return out;
}

export interface Predictions {
  classes: Int32Array;
  confidence: Float32Array;
}

export async function predictAll(model: tf.LayersModel, data: GreyImages, batchSize = 500): Promise<Predictions> {
  const numClasses = model.outputs[0].shape[1] as number;
  const classes = new Int32Array(data.count);
  const confidence = new Float32Array(data.count);
  for (let start = 0; start < data.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    const images = rgbBatch(data, indices);
    const probabilities = await predictProbabilities(model, images);
    images.dispose();
    topClasses(probabilities, numClasses).forEach((top, row) => {
      classes[indices[row]] = top.classIndex;
      confidence[indices[row]] = top.confidence;
    });
  }
  return { classes, confidence };
}

export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}
