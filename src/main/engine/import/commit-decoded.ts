/**
 * Records decoded files in the project, one SQLite transaction per batch: a new image, a further path of a
 * known one, or a known path whose file changed. Keeps the counts the import result reports.
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { ImportFailure } from '../../../shared/contract';
import type { PixelCacheWriter } from '../data/pixel-cache';
import type { ProjectStore } from '../store/project-store';
import { diskFullError, isDiskFull } from '../store/disk-full';
import type { DecodedImage, DecodeOutcome } from './decode';
import { relativePath, type ImagePaths } from '../store/image-paths';
import type { FileToRead } from './rescan-plan';

export interface PendingFile extends FileToRead {
  root: string;
}

const contentOf = ({ hash, bytes, width, height }: DecodedImage) => ({ hash, bytes, width, height });

export class DecodedFileCommitter {
  added = 0;
  changed = 0;
  readonly failed: ImportFailure[] = [];
  /** Images that existed before this import and were found at new paths: copies, or moved files. */
  readonly gained = new Map<number, number>();

  constructor(
    private readonly store: ProjectStore,
    private readonly paths: ImagePaths,
    private readonly cache: PixelCacheWriter | null,
  ) {}

  fail(failure: ImportFailure): void {
    this.failed.push(failure);
    this.store.images.recordFailure(failure);
  }

  /** Commits decoded files in the order given, so of two identical files the first path found is primary. */
  readonly commitBatch = (batch: [PendingFile, DecodeOutcome][]): void => {
    this.#newThumbnails = [];
    try {
      this.#commitInOneTransaction(batch);
    } catch (error) {
      // A full disk stops the import, whether a file write or the commit hit it; the batch rolls back whole,
      // and so do its new images' thumbnails: their room is what lets the run's end still be recorded.
      if (!isDiskFull(error)) throw error;
      for (const path of this.#newThumbnails) rmSync(path, { force: true });
      throw diskFullError(this.store.layout.dir, error, 'the import stopped; the images imported before are kept, and importing again once there is space completes it');
    }
  };

  readonly #commitInOneTransaction = (batch: [PendingFile, DecodeOutcome][]): void =>
    this.store.transaction(() => {
      for (const [item, outcome] of batch) {
        try {
          this.#commit(item, outcome);
        } catch (error) {
          if (isDiskFull(error)) throw error; // not this file's fault: see commitBatch
          // One odd file (say, a path the database refuses) must not stop the rest of the import.
          this.fail({ path: item.file.path, reason: (error as Error).message });
        }
      }
      this.cache?.flush();
    });

  #commit(item: PendingFile, outcome: DecodeOutcome): void {
    const { file, known } = item;
    if (!outcome.ok) {
      this.fail({ path: file.path, reason: outcome.reason });
      if (known) {
        this.paths.markMissing(file.path); // the picture this path held is gone from it
        this.paths.refreshPrimary(known.imageId);
      }
      return;
    }
    const { image } = outcome;
    const existing = this.store.images.idByHash(image.hash);
    this.store.images.clearFailures([file.path]);
    if (known && existing === known.imageId) {
      this.paths.touch(file); // same bytes (touched, or back from missing)
      this.paths.refreshPrimary(existing);
    } else if (known) this.#commitChanged(item, known.imageId, image, existing);
    else if (existing !== undefined) {
      this.paths.add(file, existing, item.root);
      this.gained.set(existing, (this.gained.get(existing) ?? 0) + 1);
    } else {
      this.#addNewImage(item, image);
      this.added++;
    }
  }

  /** A path that now holds different bytes from the image it showed before. */
  #commitChanged(item: PendingFile, previousId: number, image: DecodedImage, existing: number | undefined): void {
    const { store, paths } = this;
    const onlyPath = paths.countFor(previousId) === 1;
    this.changed++;
    if (existing === undefined && onlyPath) {
      store.images.replaceContent(previousId, contentOf(image));
      paths.touch(item.file);
      return this.#saveImageFiles(previousId, image);
    }
    paths.remove(item.file.path);
    if (onlyPath) {
      // The old picture is nowhere on disk and the new one is already in the project: nothing is left to keep.
      store.images.remove(previousId);
      rmSync(store.layout.thumbnail(previousId), { force: true });
    } else paths.refreshPrimary(previousId);
    if (existing === undefined) return this.#addNewImage(item, image);
    paths.add(item.file, existing, item.root);
    paths.refreshPrimary(existing);
  }

  #addNewImage(item: PendingFile, image: DecodedImage): void {
    const { path, mtimeMs } = item.file;
    const id = this.store.images.add({ path, root: item.root, relPath: relativePath(item.root, path), ...contentOf(image) }, mtimeMs);
    this.#newThumbnails.push(this.store.layout.thumbnail(id));
    this.#saveImageFiles(id, image);
  }

  /** Thumbnails of images new in the batch being committed, removed again if the batch rolls back. */
  #newThumbnails: string[] = [];

  #saveImageFiles(imageId: number, image: DecodedImage): void {
    writeFileSync(this.store.layout.thumbnail(imageId), image.thumbnail);
    if (this.cache && image.modelPixels) this.cache.write(imageId, image.modelPixels);
  }
}
