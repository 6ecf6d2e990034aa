/**
 * What a fine-tuned classifier is on disk: the TensorFlow.js layers model plus labels.json (class names in
 * output order) and preprocessing.json (what the model expects), so an exported copy is self-describing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { fileSaveHandler } from '../../ml/files/tfjs-files';

export const classifierFiles = ['model.json', 'weights.bin', 'labels.json', 'preprocessing.json'] as const;

export interface ClassifierLabels {
  /** Output index i is the class labels[i]. */
  labels: string[];
  classIds: number[];
}

export function preprocessingFor(inputSize: number) {
  return {
    inputSize,
    layout: 'NHWC',
    dtype: 'float32',
    channels: 'RGB',
    resize: `stretch to ${inputSize}x${inputSize} (no crop), sharp's default resize kernel, EXIF orientation applied, alpha removed`,
    scale: 1 / 255,
    range: [0, 1],
    output: 'softmax probabilities, one per class, in the order of labels.json',
    example: `sharp(file).rotate().resize(${inputSize}, ${inputSize}, { fit: 'fill' }).removeAlpha().raw().toBuffer() → tf.tensor4d(pixels, [1, ${inputSize}, ${inputSize}, 3]).div(255)`,
  };
}

export async function saveClassifier(dir: string, model: tf.LayersModel, labels: ClassifierLabels, inputSize: number): Promise<void> {
  await model.save(fileSaveHandler(dir));
  await writeFile(join(dir, 'labels.json'), JSON.stringify(labels, null, 2));
  await writeFile(join(dir, 'preprocessing.json'), JSON.stringify(preprocessingFor(inputSize), null, 2));
}

export async function readClassifierLabels(dir: string): Promise<ClassifierLabels> {
  return JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')) as ClassifierLabels;
}
