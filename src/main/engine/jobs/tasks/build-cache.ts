/** The first phase of every training-side task: make sure the pixel cache holds every image at this side. */
import { PixelCache } from '../../data/pixel-cache';
import type { WorkerKind } from '../protocol';
import type { TaskContext } from './task';

export async function buildCacheWithProgress<K extends WorkerKind>({ store, report, signal }: TaskContext<K>, side: number): Promise<PixelCache> {
  const { cache, failures } = await PixelCache.build(
    store,
    side,
    ({ done, total }) => report({ fraction: null, phase: 'caching', message: `Preparing ${side}px pixels: ${done} / ${total}`, metrics: {} }),
    signal,
  );
  for (const failure of failures) store.images.recordFailure(failure);
  return cache;
}
