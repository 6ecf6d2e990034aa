/** Representations h for every image from the pretrained encoder, then their 2-D UMAP map; both to SQLite. */
import type { Tensor2D } from '@tensorflow/tfjs';
import { embedOptionsSchema } from '../../../../shared/contract';
import { chunk, rateAndEta, readImageBatch } from '../../data/batches';
import { layoutMap } from '../../map/layout';
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
    const imageIds = cache.imageIds();
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
        message: `Embedded ${done} / ${imageIds.length} images`,
        metrics: { embedded: done, imagesPerSecond, etaSeconds },
      });
    }
    recordOutputSources(store, ['embeddings']);
    const embeddings = store.outputs.embeddings();
    const mapStartedAt = performance.now();
    const positions = await layoutMap(
      embeddings.map((e) => e.vector),
      { neighbors: options.neighbors, seed: options.seed },
      (fraction) => report({ fraction: 0.5 + 0.5 * fraction, phase: 'mapping', message: 'Laying out the 2-D map (UMAP)', metrics: {} }),
      signal,
    );
    store.outputs.saveMapPositions(embeddings.map((e, i) => ({ imageId: e.imageId, x: positions[i][0], y: positions[i][1] })));
    recordOutputSources(store, ['map']);
    return {
      result: { embedded: done, mapped: positions.length },
      metrics: { embedded: done, mapped: positions.length, mapSeconds: (performance.now() - mapStartedAt) / 1000 },
    };
  } finally {
    encoder.dispose();
  }
};
