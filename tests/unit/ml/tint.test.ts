/** The benchmark's tinted stand-in: each image's background and garment take its own two random colours. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tint } from '../../../benchmarks/quality/image-folder';

test('grey 0 takes the background colour, 255 the foreground, values between a blend; each image its own pair', () => {
  // Two 2×2 images, both with greys 0, 255, 51 (a fifth of the way) and 0.
  const images = { count: 2, side: 2, pixels: Uint8Array.from([0, 255, 51, 0, 0, 255, 51, 0]), labels: Uint8Array.from([3, 7]) };
  const tinted = tint(images, 9);
  const pixel = (image: number, p: number) => Array.from(tinted.pixels.subarray((image * 4 + p) * 3, (image * 4 + p) * 3 + 3));
  for (const image of [0, 1]) {
    const [background, foreground, blend, sameBackground] = [0, 1, 2, 3].map((p) => pixel(image, p));
    assert.deepEqual(sameBackground, background);
    assert.notDeepEqual(foreground, background);
    blend.forEach((value, c) => assert.ok(Math.abs(value - (0.8 * background[c] + 0.2 * foreground[c])) <= 1, `image ${image} channel ${c}`));
  }
  assert.notDeepEqual(pixel(0, 0), pixel(1, 0), 'each image draws its own colours');
  assert.equal(tinted.channels, 3);
  assert.deepEqual(Array.from(tinted.labels), [3, 7]);
});
