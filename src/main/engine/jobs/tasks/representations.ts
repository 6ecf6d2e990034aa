/** h of the project's images, for the jobs that need it beside their own model (export, predict). */
import type * as tf from '@tensorflow/tfjs';
import type { PixelCache } from '../../data/pixel-cache';
import { encoderVersion } from '../../ml/files/checkpoint-layout';
import type { WorkerKind } from '../protocol';
import { buildCacheWithProgress } from './build-cache';
import { outputsOf } from './finetune-fit';
import { modelInputSize } from './load-encoder';
import type { TaskContext } from './task';

export interface Representations {
  /** The images the rows are, in order: those asked for (every cached image when none were) that could be read. */
  imageIds: number[];
  /** Flat [imageIds.length × dim]. */
  values: Float32Array;
  dim: number;
}

/**
 * The embed job's stored h where it came from this encoder and covers every image asked for; otherwise h computed
 * now from the pixel cache (and not stored: the map and the embed job's record stay as they were).
 */
export async function representationsOf<K extends WorkerKind>(context: TaskContext<K>, encoder: tf.LayersModel, wanted?: number[]): Promise<Representations> {
  const { store } = context;
  const dim = encoder.outputs[0].shape[1] as number;
  const current = store.outputs.sources().get('embeddings') === encoderVersion(store.layout.pretrainCheckpoint);
  const stored = new Map(current ? store.outputs.embeddings().map((e) => [e.imageId, e.vector]) : []);
  let cache: PixelCache | null = wanted ? null : await buildCacheWithProgress(context, modelInputSize(encoder));
  const asked = wanted ?? cache!.imageIds();
  if (asked.every((id) => stored.get(id)?.length === dim)) {
    const values = new Float32Array(asked.length * dim);
    asked.forEach((id, row) => values.set(stored.get(id)!, row * dim));
    return { imageIds: asked, values, dim };
  }
  cache ??= await buildCacheWithProgress(context, modelInputSize(encoder));
  const cached = new Set(cache.imageIds());
  const imageIds = asked.filter((id) => cached.has(id));
  context.report({ fraction: null, phase: 'embedding', message: `Embedding ${imageIds.length} images with the encoder`, metrics: {} });
  return { imageIds, values: await outputsOf(encoder, cache, imageIds), dim };
}
