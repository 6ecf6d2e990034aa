/**
 * "Try it before you ship it": the project's classifier on one image file from anywhere on disk, read as the app
 * reads every image, with its most probable classes and the labelled images most like it (by h), so a user sees
 * what the exported model will say and why, before exporting it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError, predictImageOptionsSchema } from '../../../../shared/contract';
import { pixelBatch } from '../../data/batches';
import { imageToModelPixels } from '../../data/pixel-cache';
import { describeDecodeError } from '../../import/reasons';
import { predictProbabilities } from '../../ml/few-label/classifier';
import { fileLoadHandler } from '../../ml/files/tfjs-files';
import { readClassifierLabels } from './classifier-artifacts';
import { loadPretrainedEncoder, modelInputSize } from './load-encoder';
import { representationsOf } from './representations';
import type { Task } from './task';

async function readImage(path: string, side: number): Promise<tf.Tensor4D> {
  if (!existsSync(path)) throw new StudioError(`${path}: no such file`);
  const pixels = await imageToModelPixels(path, side).catch((error: unknown) => {
    throw new StudioError(`${path}: cannot read this image (${describeDecodeError(error)})`);
  });
  return pixelBatch(pixels, 1, side);
}

/** Cosine similarity of one vector with each row of flat [n × dim]. */
function cosineToRows(query: Float32Array, rows: Float32Array, dim: number): number[] {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  const queryNorm = norm(query);
  return Array.from({ length: rows.length / dim }, (_, r) => {
    const row = rows.subarray(r * dim, (r + 1) * dim);
    return row.reduce((a, x, j) => a + x * query[j], 0) / (norm(row) * queryNorm);
  });
}

export const predictImageTask: Task<'predict'> = async (context) => {
  const { store, report } = context;
  const { path, top, neighbours } = predictImageOptionsSchema.parse(context.options);
  const source = store.layout.classifier;
  if (!existsSync(join(source, 'model.json'))) throw new StudioError('There is no fine-tuned classifier yet; fine-tune one first');
  report({ fraction: 0.1, phase: 'predicting', message: `Classifying ${path}`, metrics: {} });
  const classifier = await tf.loadLayersModel(fileLoadHandler(source));
  const encoder = await loadPretrainedEncoder(store);
  try {
    const { labels, classIds } = await readClassifierLabels(source);
    const side = modelInputSize(classifier);
    const image = await readImage(path, side);
    // The classifier is built on the encoder, so one read serves both unless a later pretrain changed the size.
    const forEncoder = modelInputSize(encoder) === side ? image : await readImage(path, modelInputSize(encoder));
    let probabilities: Float32Array, h: Float32Array;
    try {
      probabilities = await predictProbabilities(classifier, image);
      h = tf.tidy(() => (encoder.predict(forEncoder) as tf.Tensor).dataSync() as Float32Array);
    } finally {
      tf.dispose([image, forEncoder]);
    }
    const ranked = Array.from(probabilities, (probability, i) => ({ classId: classIds[i], label: labels[i], probability })).sort((a, b) => b.probability - a.probability);

    report({ fraction: 0.5, phase: 'predicting', message: 'Finding the labelled images most like it', metrics: {} });
    const labelled = store.labels.labelled();
    const names = new Map(store.labels.classes().map((c) => [c.id, c.name]));
    const bank = neighbours > 0 ? await representationsOf(context, encoder, labelled.map((l) => l.imageId)) : { imageIds: [], values: new Float32Array(0) };
    const similarity = cosineToRows(h, bank.values, h.length);
    const classOf = new Map(labelled.map((l) => [l.imageId, l.classId]));
    const nearest = bank.imageIds
      .map((imageId, i) => ({ imageId, classId: classOf.get(imageId)!, similarity: similarity[i] }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, neighbours);
    const paths = store.images.paths(nearest.map((n) => n.imageId));
    return {
      result: {
        path,
        top: ranked.slice(0, top),
        neighbours: nearest.map((n) => ({ imageId: n.imageId, path: paths.get(n.imageId)!, label: names.get(n.classId) ?? String(n.classId), similarity: n.similarity })),
        chosen: store.runs.lastResult('finetune')?.chosen ?? null,
      },
      metrics: { probability: ranked[0].probability },
    };
  } finally {
    classifier.dispose();
    encoder.dispose();
  }
};
