/** Reads one image file: its bytes' hash, its size after EXIF orientation, and a WebP thumbnail. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describeDecodeError, describeFileError } from './reasons';

/** Larger images are refused: decoding them could exhaust memory (a "decompression bomb"). */
export const maxInputPixels = 100_000_000;
export const thumbnailSide = 128;

export interface DecodedImage {
  hash: string;
  bytes: number;
  width: number;
  height: number;
  thumbnail: Buffer;
}

export type DecodeOutcome = { ok: true; image: DecodedImage } | { ok: false; reason: string };

export async function decodeImageFile(path: string): Promise<DecodeOutcome> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { ok: false, reason: describeFileError(error) };
  }
  if (bytes.length === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  try {
    // failOn 'warning' makes truncated files an error instead of a half-grey picture.
    const image = sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'warning' });
    const metadata = await image.metadata();
    if (!metadata.width || !metadata.height) return { ok: false, reason: 'not an image (no dimensions)' };
    const thumbnail = await image
      .rotate() // applies the EXIF orientation
      .resize(thumbnailSide, thumbnailSide, { fit: 'cover' })
      .removeAlpha()
      .webp({ quality: 80 })
      .toBuffer();
    const swapsSides = (metadata.orientation ?? 1) >= 5;
    return {
      ok: true,
      image: {
        hash: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        width: swapsSides ? metadata.height : metadata.width,
        height: swapsSides ? metadata.width : metadata.height,
        thumbnail,
      },
    };
  } catch (error) {
    return { ok: false, reason: describeDecodeError(error) };
  }
}
