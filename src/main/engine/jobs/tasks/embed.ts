/**
 * Representations h from the pretrained encoder, then their 2-D map; both to SQLite. Where the embeddings and the
 * map already came from this encoder, only the images without an embedding are embedded, and they are placed
 * into the kept map rather than the whole map laid out again (unless asked to, or they outnumber the mapped).
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import { embedOptionsSchema } from '../../../../shared/contract';
import { chunk, rateAndEta, readImageBatch } from '../../data/batches';
import { layoutMap } from '../../map/layout';
import { placeIntoMap } from '../../map/place';
import { encoderVersion } from '../../ml/files/checkpoint-layout';
import { recordOutputSources } from '../output-sources';
import { buildCacheWithProgress } from './build-cache';
import { loadPretrainedEncoder, modelInputSize } from './load-encoder';
import type { Task } from './task';

export const embedTask: Task<'embed'> = async (context) => {
  const { store, report, signal } = context;
  const options = embedOptionsSchema.parse(context.options);
  const encoder = await loadPretrainedEncoder(store);
  try {
    const cache = await buildCacheWithProgress(context, modelInputSize(encoder));
    const version = encoderVersion(store.layout.pretrainCheckpoint);
    const sources = store.outputs.sources();
    const keepEmbeddings = version !== null && sources.get('embeddings') === version;
    const embedded = keepEmbeddings ? store.outputs.embeddedIds() : new Set<number>();
    const imageIds = cache.imageIds().filter((id) => !embedded.has(id));
    const startedAt = performance.now();
    let done = 0;
    for (const batchIds of chunk(imageIds, options.batchSize)) {
      signal.throwIfAborted();
      const images = readImageBatch(cache, batchIds);
      const h = encoder.predict(images) as Tensor2D;
      const flat = (await h.data()) as Float32Array;
      const dim = h.shape[1];
      images.dispose();
      h.dispose();
      store.outputs.saveEmbeddings(batchIds.map((imageId, i) => ({ imageId, vector: flat.slice(i * dim, (i + 1) * dim) })));
      done += batchIds.length;
      const { imagesPerSecond, etaSeconds } = rateAndEta(done, imageIds.length, startedAt);
      report({
        fraction: 0.5 * (done / imageIds.length),
        phase: 'embedding',
        message: `Embedded ${done} / ${imageIds.length} images${keepEmbeddings ? ' (the others kept theirs)' : ''}`,
        metrics: { embedded: done, imagesPerSecond, etaSeconds },
      });
    }
    recordOutputSources(store, ['embeddings']);

    const embeddings = store.outputs.embeddings();
    const places = new Map(store.outputs.mapPoints().map((p) => [p.id, [p.x, p.y] as [number, number]]));
    const unplaced = embeddings.filter((e) => !places.has(e.imageId)).length;
    const mapCurrent = version !== null && sources.get('map') === version && places.size > 0;
    const placeOnly = mapCurrent && !options.relayout && unplaced <= places.size;
    const mapStartedAt = performance.now();
    const progress = (message: string) => (fraction: number, stage = message) => report({ fraction: 0.5 + 0.5 * fraction, phase: 'mapping', message: stage, metrics: {} });
    let positions: [number, number][];
    if (placeOnly && unplaced === 0) positions = embeddings.map((e) => places.get(e.imageId)!);
    else if (placeOnly) {
      const placing = `Placing ${unplaced} new image${unplaced === 1 ? '' : 's'} into the map`;
      positions = await placeIntoMap(embeddings.map((e) => e.vector), embeddings.map((e) => places.get(e.imageId) ?? null), options, progress(placing), signal);
    } else {
      positions = await layoutMap(embeddings.map((e) => e.vector), options, progress('Laying out the 2-D map'), signal);
    }
    store.outputs.saveMapPositions(embeddings.map((e, i) => ({ imageId: e.imageId, x: positions[i][0], y: positions[i][1] })));
    recordOutputSources(store, ['map']);
    return {
      result: { embedded: done, mapped: positions.length },
      metrics: { embedded: done, mapped: positions.length, placed: placeOnly ? unplaced : 0, mapSeconds: (performance.now() - mapStartedAt) / 1000 },
    };
  } finally {
    encoder.dispose();
  }
};
