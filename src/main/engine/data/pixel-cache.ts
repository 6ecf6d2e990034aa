/**
 * A compact training cache: every image resized once to side×side RGB uint8 and stored in one flat file, a
 * fixed-size record per image id. Training reads batches from it, so no image is ever held as floats for
 * the whole set, and nothing is decoded twice.
 */
import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import sharp from 'sharp';
import type { ImportFailure } from '../../../shared/contract';
import type { ProjectStore } from '../store/project-store';
import { describeDecodeError } from '../import/reasons';

/** How the model sees an image: this exact resize, RGB, then divided by 255 (the export documents it). */
export async function imageToModelPixels(path: string, side: number): Promise<Buffer> {
  return sharp(path, { failOn: 'warning' })
    .rotate()
    .resize(side, side, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
}

export interface CacheBuildProgress {
  done: number;
  total: number;
}

export class PixelCache {
  readonly recordBytes: number;
  private constructor(
    readonly path: string,
    readonly side: number,
    private readonly available: Set<number>,
  ) {
    this.recordBytes = side * side * 3;
  }

  /** Adds every image not yet cached at this side, then returns the cache. Unreadable files are reported. */
  static async build(
    store: ProjectStore,
    side: number,
    onProgress: (progress: CacheBuildProgress) => void = () => {},
    signal?: AbortSignal,
  ): Promise<{ cache: PixelCache; failures: ImportFailure[] }> {
    const path = store.layout.pixelCache(side);
    const cached = existsSync(path) ? store.cachedImageIds(side) : new Set<number>();
    const missing = store.imageIds().filter((id) => !cached.has(id));
    const paths = store.imagePaths(missing);
    const failures: ImportFailure[] = [];
    const file = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const recordBytes = side * side * 3;
    try {
      let done = 0;
      const batchSize = 32;
      for (let start = 0; start < missing.length; start += batchSize) {
        signal?.throwIfAborted();
        const ids = missing.slice(start, start + batchSize);
        const results = await Promise.all(
          ids.map((id) =>
            imageToModelPixels(paths.get(id)!, side).then(
              (pixels) => ({ id, pixels }),
              (error: unknown) => ({ id, error }),
            ),
          ),
        );
        const written: number[] = [];
        for (const result of results) {
          if ('pixels' in result) {
            writeSync(file, result.pixels, 0, recordBytes, (result.id - 1) * recordBytes);
            written.push(result.id);
          } else failures.push({ path: paths.get(result.id)!, reason: describeDecodeError(result.error) });
        }
        store.markCached(side, written);
        written.forEach((id) => cached.add(id));
        done += ids.length;
        onProgress({ done, total: missing.length });
      }
    } finally {
      closeSync(file);
    }
    return { cache: new PixelCache(path, side, cached), failures };
  }

  /** Image ids whose pixels are in the cache, ascending. */
  imageIds(): number[] {
    return [...this.available].sort((a, b) => a - b);
  }

  /** Reads the given images' pixels into one [n, side, side, 3] uint8 buffer. */
  read(imageIds: number[]): Uint8Array {
    const out = new Uint8Array(imageIds.length * this.recordBytes);
    const file = openSync(this.path, 'r');
    try {
      imageIds.forEach((id, index) => {
        if (!this.available.has(id)) throw new Error(`image ${id} is not in the ${this.side}px pixel cache`);
        readSync(file, out, index * this.recordBytes, this.recordBytes, (id - 1) * this.recordBytes);
      });
    } finally {
      closeSync(file);
    }
    return out;
  }
}
