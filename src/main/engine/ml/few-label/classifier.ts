/**
 * Few-label fine-tuning: the pretrained encoder (and, as in SimCLRv2, the first layer of its projection head)
 * plus a softmax layer, with the whole network trained. Light augmentation only: crop + flip, no colour distortion.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, resizeBatch, type AugmentOptions } from '../model/augment';
import { applyHeadFirstLayer } from '../model/head';
import type { DenseWeights } from './linear-probe';
import { readAndDispose } from '../backends/read-tensor';
import type { Rng } from '../rng';
import { learningRateAt } from '../model/schedule';

/** Crop scale 0.5–1 and flip; colour, grayscale and blur off. */
const lightAugment: AugmentOptions = { cropScale: [0.5, 1], colorJitterProb: 0, grayscaleProb: 0, blurProb: 0 };

export interface LabelledBatch {
  /** float32 [B, H, W, 3] in [0, 1]. */
  images: tf.Tensor4D;
  /** Class index per image. */
  labels: ArrayLike<number>;
}

export interface EpochResult {
  loss: number;
  accuracy: number;
}

export interface ClassifierOptions {
  /**
   * The pretrained projection head g: the softmax then sits on g's first layer (SimCLRv2's fine-tuning)
   * instead of on h, and that layer is fine-tuned too. The classifier takes g over: the rest of g is disposed
   * here, and disposing the classifier frees the layer it kept.
   */
  head?: tf.LayersModel;
  /** Makes the new layer's initial weights, and so a whole fine-tuning run, reproducible. */
  seed?: number;
}

/**
 * Encoder (+ g's first layer) + dense softmax as one flat model that shares (not copies) the given layers, so
 * it saves as a single TensorFlow.js layers model and fine-tuning updates the encoder too.
 */
export function buildClassifier(encoder: tf.LayersModel, numClasses: number, { head, seed }: ClassifierOptions = {}): tf.LayersModel {
  const kernelInitializer = tf.initializers.glorotUniform(seed === undefined ? {} : { seed });
  const h = encoder.outputs[0];
  const features = head ? applyHeadFirstLayer(head, h) : h;
  const probs = tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer, name: 'classifier' }).apply(features) as tf.SymbolicTensor;
  const classifier = tf.model({ inputs: encoder.inputs, outputs: probs, name: 'classifier_model' });
  // Layers count the models they are applied in; this drops g's own count, so the kept layer lives as long as the classifier.
  head?.dispose();
  return classifier;
}

/**
 * The frozen encoder with a linear probe's dense softmax on h (its standardisation folded into the weights), as
 * one layers model that saves, predicts and exports like a fine-tuned classifier.
 */
export function buildLinearClassifier(encoder: tf.LayersModel, { kernel, bias }: DenseWeights): tf.LayersModel {
  const dim = encoder.outputs[0].shape[1] as number;
  const numClasses = bias.length;
  const dense = tf.layers.dense({ units: numClasses, activation: 'softmax', name: 'classifier', weights: [tf.tensor2d(kernel, [dim, numClasses]), tf.tensor1d(bias)] });
  return tf.model({ inputs: encoder.inputs, outputs: dense.apply(encoder.outputs[0]) as tf.SymbolicTensor, name: 'classifier_model' });
}

/**
 * The rate for a 0-based fine-tuning epoch: cosine decay from the base rate towards zero over the run. With a
 * few hundred labels a constant rate leaves the last epoch's test accuracy swinging by several points (74.9–80.3 %
 * on Fashion-MNIST from two near-identical encoders); ending on small steps settles it.
 */
export function finetuneLearningRate(epoch: number, epochs: number, baseLr: number): number {
  return learningRateAt(epoch, { baseLr, warmupSteps: 0, totalSteps: epochs });
}

function inputSize(model: tf.LayersModel): number {
  return model.inputs[0].shape[1] as number;
}

/** One pass over the batches; returns the mean cross-entropy and training accuracy (on augmented views). */
export async function trainClassifierEpoch(
  model: tf.LayersModel,
  batches: Iterable<LabelledBatch>,
  optimizer: tf.Optimizer,
  rng: Rng,
): Promise<EpochResult> {
  const size = inputSize(model);
  const numClasses = model.outputs[0].shape[1] as number;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  for (const { images, labels } of batches) {
    const view = augmentBatch(images, size, lightAugment, rng);
    const onehot = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), numClasses);
    let predicted: tf.Tensor | null = null;
    const cost = optimizer.minimize(
      () => {
        const probs = model.apply(view, { training: true }) as tf.Tensor2D;
        predicted = tf.keep(probs.argMax(1));
        return tf.losses.softmaxCrossEntropy(onehot, probs.add(1e-7).log()) as tf.Scalar;
      },
      true,
      variables,
    );
    const argmax = await predicted!.data();
    lossSum += (await cost!.data())[0] * labels.length;
    correct += Array.from(labels).filter((label, i) => argmax[i] === label).length;
    seen += labels.length;
    tf.dispose([view, onehot, cost!, predicted!]);
  }
  return { loss: lossSum / Math.max(1, seen), accuracy: correct / Math.max(1, seen) };
}

/** Class probabilities (inference mode, no augmentation) as a flat [B × numClasses] array. */
export async function predictProbabilities(model: tf.LayersModel, batch: tf.Tensor4D): Promise<Float32Array> {
  return readAndDispose(tf.tidy(() => model.predict(resizeBatch(batch, inputSize(model))) as tf.Tensor));
}

export interface TopClass {
  classIndex: number;
  confidence: number;
}

/** The most probable class of each row of flat [B × numClasses] probabilities, with its probability. */
export function topClasses(probabilities: Float32Array, numClasses: number): TopClass[] {
  return Array.from({ length: probabilities.length / numClasses }, (_, row) => {
    const p = probabilities.subarray(row * numClasses, (row + 1) * numClasses);
    const classIndex = p.indexOf(Math.max(...p));
    return { classIndex, confidence: p[classIndex] };
  });
}
