/** An image at viewing size for the large view: upright, RGB, never enlarged, WebP. */
import sharp from 'sharp';
import { maxInputPixels } from './pixel-cache';

export function renderPreview(path: string, maxSide: number): Promise<Buffer> {
  return sharp(path, { limitInputPixels: maxInputPixels })
    .rotate()
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .webp({ quality: 85 })
    .toBuffer();
}
