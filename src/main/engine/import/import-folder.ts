/**
 * Imports every image under folders (and single files) into a project: one row per distinct image (by content
 * hash) with every path it was found at, a thumbnail each, its training-cache record, and a reason for every
 * file that could not be read. Importing a folder again is a rescan: new files are added, changed ones re-read,
 * deleted ones marked missing (labels kept) and moved ones matched by hash. Cancelling keeps what was imported.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { ImportFailure, ImportResult } from '../../../shared/contract';
import { defaultCacheSide, PixelCacheWriter } from '../data/pixel-cache';
import type { ProjectStore } from '../store/project-store';
import { DecodedFileCommitter, type PendingFile } from './commit-decoded';
import { decodeImageFile, type DecodeOutcome } from './decode';
import { labelFromSubfolders } from './folder-labels';
import type { ImagePaths } from '../store/image-paths';
import { planRescan } from './rescan-plan';
import { scanImageFiles, scanOneFile, type ScanResult } from './scan';
import { describeFileError } from './reasons';

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  failed: number;
  imagesPerSecond: number;
}

export interface ImportOptions {
  /** Label images by the sub-folder they are in (root/cat/1.jpg → "cat"). */
  labelsFromSubfolders?: boolean;
  /** The training-cache side filled while reading; null leaves the cache to be built when training starts. */
  cacheSide?: number | null;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

/** sharp decodes on libuv's four-thread pool; a few more files in flight keep it fed while JS commits. */
const filesInFlight = 8;
/** Decoded files are committed in one SQLite transaction per this many: a commit per file costs a sync each. */
const commitEvery = 32;

interface Source {
  root: string;
  scope: { folder: string } | { file: string };
  scan: ScanResult;
}

export async function importFolder(store: ProjectStore, folder: string, options: ImportOptions = {}): Promise<ImportResult> {
  const root = resolve(folder);
  const scan = await scanImageFiles(root, options.signal);
  return importSources(store, [{ root, scope: { folder: root }, scan }], options);
}

/** Several dropped folders and files at once; a path that cannot be read is reported like a bad file. */
export async function importPaths(store: ProjectStore, paths: string[], options: ImportOptions = {}): Promise<ImportResult> {
  const sources: Source[] = [];
  const unreadable: ImportFailure[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    const info = await stat(path).catch((error: unknown) => error as Error);
    if (info instanceof Error) unreadable.push({ path, reason: describeFileError(info) });
    else if (info.isDirectory()) sources.push({ root: path, scope: { folder: path }, scan: await scanImageFiles(path, options.signal) });
    else sources.push({ root: dirname(path), scope: { file: path }, scan: await scanOneFile(path) });
  }
  const result = await importSources(store, sources, options);
  for (const failure of unreadable) store.images.recordFailure(failure);
  return { ...result, failed: [...unreadable, ...result.failed] };
}

async function importSources(store: ProjectStore, sources: Source[], options: ImportOptions): Promise<ImportResult> {
  const { signal, onProgress = () => {} } = options;
  const cacheSide = options.cacheSide === undefined ? defaultCacheSide : options.cacheSide;
  const paths = store.imagePathIndex;
  const scanFailures: ImportFailure[] = [];
  const pending: PendingFile[] = [];
  const vanished = new Set<string>();
  for (const source of sources) {
    if ('folder' in source.scope) store.images.addRoot(source.root);
    const plan = planRescan(source.scan.files, paths.knownUnder(source.scope), source.scan.unreadableFolders);
    pending.push(...plan.toRead.map((item) => ({ ...item, root: source.root })));
    plan.vanished.forEach((k) => vanished.add(k.path));
    scanFailures.push(...source.scan.failures);
  }
  // Failures listed for these folders from an earlier import are replaced by this one's.
  store.images.clearFailures(store.images.failures().map((f) => f.path).filter((path) => sources.some((s) => inScope(s, path))));
  const cache = cacheSide ? new PixelCacheWriter(store, cacheSide) : null;
  const committer = new DecodedFileCommitter(store, paths, cache);
  scanFailures.forEach((failure) => committer.fail(failure));
  let done = 0;
  const startedAt = performance.now();
  const report = () =>
    onProgress({
      done,
      total: pending.length,
      imported: committer.added + committer.changed,
      failed: committer.failed.length,
      imagesPerSecond: done / Math.max(1e-3, (performance.now() - startedAt) / 1000),
    });

  // A window of decodes in flight, committed strictly in scan order.
  const inFlight: Promise<[PendingFile, DecodeOutcome]>[] = [];
  let next = 0;
  const decodeNext = () => {
    const item = pending[next++];
    inFlight.push(decodeImageFile(item.file.path, cacheSide ?? undefined).then((outcome) => [item, outcome]));
  };
  report();
  try {
    while (inFlight.length < filesInFlight && next < pending.length) decodeNext();
    let batch: [PendingFile, DecodeOutcome][] = [];
    while (inFlight.length > 0 && !signal?.aborted) {
      batch.push(await inFlight.shift()!);
      if (next < pending.length) decodeNext();
      if (batch.length < commitEvery && inFlight.length > 0 && !signal?.aborted) continue;
      committer.commitBatch(batch);
      done += batch.length;
      batch = [];
      report();
    }
    if (batch.length > 0) committer.commitBatch(batch);
  } finally {
    cache?.close();
  }

  const { moved, duplicates, stillMissing } = settleVanished(store, paths, vanished, committer.gained);
  const labelled = options.labelsFromSubfolders
    ? labelFromSubfolders(store, sources.map((s) => ({ root: s.root, paths: s.scan.files.map((f) => f.path) })))
    : 0;
  const { added, changed, failed } = committer;
  return { imported: added + changed, duplicates, failed, added, changed, missing: stillMissing, moved, labelled };
}

function inScope(source: Source, path: string): boolean {
  return 'folder' in source.scope ? path.startsWith(source.scope.folder + sep) : path === source.scope.file;
}

/**
 * Paths the scan no longer found are marked missing; an image that lost a path and was found at a new one has
 * moved, so the old path is dropped and its labels simply stay with it. Other new paths are duplicates.
 */
function settleVanished(store: ProjectStore, paths: ImagePaths, vanished: Set<string>, gained: Map<number, number>) {
  let moved = 0;
  let duplicates = 0;
  let resolved = 0;
  store.transaction(() => {
    for (const path of vanished) paths.markMissing(path);
    for (const [imageId, found] of gained) {
      const missing = paths.missingPathsOf(imageId);
      // Paths lost in this scan are the likeliest to have moved; older missing ones come after.
      missing.sort((a, b) => Number(vanished.has(b)) - Number(vanished.has(a)));
      const movedHere = missing.slice(0, found);
      movedHere.forEach((path) => paths.remove(path));
      resolved += movedHere.filter((path) => vanished.has(path)).length;
      moved += movedHere.length;
      duplicates += found - movedHere.length;
      paths.refreshPrimary(imageId);
    }
    for (const path of vanished) {
      const imageId = store.images.idByPath(path);
      if (imageId !== undefined) paths.refreshPrimary(imageId);
    }
  });
  return { moved, duplicates, stillMissing: vanished.size - resolved };
}
