/**
 * Imports every image under a folder into a project: one row per distinct image (by content hash), a
 * thumbnail each, and a reason for every file that could not be read. Cancelling keeps what was imported.
 */
import { writeFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { ImportFailure, ImportResult } from '../../../shared/contract';
import type { ProjectStore } from '../store/project-store';
import { decodeImageFile, type DecodeOutcome } from './decode';
import { scanImageFiles } from './scan';

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  failed: number;
  imagesPerSecond: number;
}

/** sharp decodes on libuv's thread pool, so a few files in flight keep both cores busy. */
const filesInFlight = 4;

export async function importFolder(
  store: ProjectStore,
  folder: string,
  onProgress: (progress: ImportProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<ImportResult> {
  const root = resolve(folder);
  const scan = await scanImageFiles(root, signal);
  store.addRoot(root);
  const failed: ImportFailure[] = [...scan.failures];
  for (const failure of scan.failures) store.recordFailure(failure);
  const pending = scan.files.filter((path) => !store.isKnownPath(path));
  let imported = 0;
  let duplicates = 0;
  let done = 0;
  const startedAt = performance.now();

  const report = () =>
    onProgress({
      done,
      total: pending.length,
      imported,
      failed: failed.length,
      imagesPerSecond: done / Math.max(1e-3, (performance.now() - startedAt) / 1000),
    });

  /** Records one decoded file; runs in scan order, so of two identical files the first path found is kept. */
  async function commit(path: string, outcome: DecodeOutcome): Promise<void> {
    if (!outcome.ok) {
      const failure = { path, reason: outcome.reason };
      failed.push(failure);
      store.recordFailure(failure);
      return;
    }
    const { image } = outcome;
    const existing = store.imageIdByHash(image.hash);
    if (existing !== undefined) {
      store.addDuplicatePath(path, existing);
      duplicates++;
      return;
    }
    const relPath = relative(root, path).split(sep).join('/');
    const id = store.addImage({ path, root, relPath, hash: image.hash, bytes: image.bytes, width: image.width, height: image.height });
    await writeFile(store.layout.thumbnail(id), image.thumbnail);
    imported++;
  }

  // A window of decodes in flight, committed strictly in order.
  const inFlight: Promise<[string, DecodeOutcome]>[] = [];
  let next = 0;
  const decodeNext = () => {
    const path = pending[next++];
    inFlight.push(decodeImageFile(path).then((outcome) => [path, outcome]));
  };
  report();
  while (inFlight.length < filesInFlight && next < pending.length) decodeNext();
  while (inFlight.length > 0 && !signal?.aborted) {
    const [path, outcome] = await inFlight.shift()!;
    if (next < pending.length) decodeNext();
    try {
      await commit(path, outcome);
    } catch (error) {
      // One odd file (say, a path the database refuses) must not stop the rest of the import.
      const failure = { path, reason: (error as Error).message };
      failed.push(failure);
      store.recordFailure(failure);
    }
    done++;
    if (done % 10 === 0 || done === pending.length) report();
  }
  return { imported, duplicates, failed };
}
