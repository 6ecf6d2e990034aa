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
import { modelResize } from './resample';

/** The side training uses unless told otherwise; import fills this cache as it reads, so training starts at once. */
export const defaultCacheSide = 32;

/** Larger images are refused: decoding them could exhaust memory (a "decompression bomb"). */
export const maxInputPixels = 100_000_000;

/**
 * How the model sees an image: decoded by sharp (EXIF orientation applied, alpha dropped, sRGB), then resized
 * to side×side by the app itself as Pillow would, bit for bit (a box reduce() of big images, then the bicubic
 * filter: modelResize), so the export's predict.py builds the same bytes with Pillow; then divided by 255.
 */
export async function imageToModelPixels(input: string | Buffer, side: number): Promise<Buffer> {
  const { data, info } = await sharp(input, { failOn: 'warning', limitInputPixels: maxInputPixels })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const resized = modelResize(data, info.width, info.height, side);
  return Buffer.from(resized.buffer, resized.byteOffset, resized.byteLength);
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
    const cached = existsSync(path) ? store.images.cachedIds(side) : new Set<number>();
    const missing = store.images.ids().filter((id) => !cached.has(id));
    const paths = store.images.paths(missing);
    const failures: ImportFailure[] = [];
    const writer = new PixelCacheWriter(store, side);
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
        for (const result of results) {
          if ('pixels' in result) {
            writer.write(result.id, result.pixels);
            cached.add(result.id);
          } else failures.push({ path: paths.get(result.id)!, reason: describeDecodeError(result.error) });
        }
        writer.flush();
        done += ids.length;
        onProgress({ done, total: missing.length });
      }
    } finally {
      writer.close();
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

/** Writes records straight into a cache file (import fills it as it reads); `flush` records which images it holds. */
export class PixelCacheWriter {
  readonly #file: number;
  readonly #recordBytes: number;
  #written: number[] = [];

  constructor(
    private readonly store: ProjectStore,
    readonly side: number,
  ) {
    const path = store.layout.pixelCache(side);
    this.#file = openSync(path, existsSync(path) ? 'r+' : 'w+');
    this.#recordBytes = side * side * 3;
  }

  write(imageId: number, pixels: Buffer): void {
    if (pixels.length !== this.#recordBytes) throw new Error(`expected ${this.#recordBytes} bytes of pixels, got ${pixels.length}`);
    writeSync(this.#file, pixels, 0, this.#recordBytes, (imageId - 1) * this.#recordBytes);
    this.#written.push(imageId);
  }

  /** Marks what was written as cached; call inside the transaction that adds the images. */
  flush(): void {
    this.store.images.markCached(this.side, this.#written);
    this.#written = [];
  }

  close(): void {
    this.flush();
    closeSync(this.#file);
  }
}
