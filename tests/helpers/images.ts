/** Real image files for tests, written by sharp into a fresh temporary folder. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix = 'simclr-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A solid-colour image with a coloured square, so each (colour, format) pair gives distinct bytes. */
export async function writeImage(
  path: string,
  options: { width?: number; height?: number; rgb?: [number, number, number]; format?: 'png' | 'jpeg' | 'webp' } = {},
): Promise<Buffer> {
  const { width = 24, height = 24, rgb = [200, 40, 40], format = 'png' } = options;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x > width / 4 && x < (3 * width) / 4 && y > height / 4 && y < (3 * height) / 4;
      const offset = (y * width + x) * 3;
      pixels[offset] = inSquare ? 255 - rgb[0] : rgb[0];
      pixels[offset + 1] = inSquare ? 255 - rgb[1] : rgb[1];
      pixels[offset + 2] = inSquare ? 255 - rgb[2] : rgb[2];
    }
  }
  const bytes = await sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes;
}
