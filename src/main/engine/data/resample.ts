/**
 * Bicubic image resize that matches Pillow bit for bit.
 *
 * The model's view of an image has to be reproducible exactly by a Python user who writes
 * `img.resize((S, S), Image.BICUBIC)` with Pillow, so a model exported from the studio predicts the same
 * thing in both places. sharp's own resize (libvips) uses other kernels and rounding, so its bytes differ.
 * This follows the antialiased 8-bit path of Pillow's src/libImaging/Resample.c:
 *
 * - per output column (then row) the filter a = -0.5, support 2, is widened by the downscale factor
 *   (never narrowed when upscaling), sampled in double precision at source pixel centres, and normalised
 *   so its taps sum to 1;
 * - each tap becomes a fixed-point integer with 22 fractional bits, rounded half away from zero;
 * - a pass sums value × tap in integers, starting from half a unit, and keeps the top bits clamped to 0..255;
 * - the horizontal pass runs first into an 8-bit intermediate image (only the rows the vertical pass reads),
 *   then the vertical pass; a pass whose dimension is unchanged is skipped, and equal sizes give a copy.
 *
 * Big photos are first shrunk by an integer box filter, `reduceRgb`, which matches Pillow's `Image.reduce`
 * (src/libImaging/Reduce.c) bit for bit: a 12-megapixel photo → 32×32 would otherwise widen the bicubic filter
 * to ~250 taps per output pixel, a ~250 ms horizontal pass. `modelResize` is the model's view of an image:
 *
 *     fx, fy = max(1, int(w / side / 2)), max(1, int(h / side / 2))
 *     if fx > 1 or fy > 1: img = img.reduce((fx, fy))
 *     img = img.resize((side, side), Image.BICUBIC)
 *
 * The factors keep the reduced image at least 2× the target on each axis (4000×3000 → 32 reduces by 62×46 to
 * 65×66), so the bicubic pass still antialiases, over a handful of taps. JS `Math.floor(width / side / 2)` and
 * Python's `int(w / side / 2)` agree: the same two IEEE divisions in the same order, truncating a positive value.
 * What matters in Reduce.c for the bits (its fast paths for 2×1, 1×2, 2×2, 3×1, 1×3, 3×3, 4×4 and 5×5, the
 * general N×M loop and the "corners" code for the partial last column/row all come down to one formula):
 *
 * - output size ceil(W / fx) × ceil(H / fy); the last column/row averages only the n = (W mod fx)·fy,
 *   fx·(H mod fy) or (W mod fx)·(H mod fy) pixels that exist;
 * - each channel is `((Σ + (n >> 1)) * multiplier) >> 24` in uint32, with
 *   `multiplier = (uint32)((float)2^32 / (float)(256·n))`, a float32 division, truncated. It is exact for powers
 *   of two (the fast paths' `(Σ + n/2) >> k`) and below 2^24/n otherwise (never above: checked for all n < 2^20),
 *   so whenever Σ + n/2 is a multiple of n the result is one less than a true division would give (three pixels
 *   1, 1, 0 give 0, not round(2/3) = 1); for large blocks (62×46) the shortfall reaches a few hundredths of a
 *   level, so rounding Σ / n instead differs often. The summation order is irrelevant (integer sums).
 *
 * All three functions must stay self-contained (no names from outside their bodies, no inner named functions;
 * `modelResize` may call only `reduceRgb` and `resizeRgb`): the export job embeds their `toString()` into a
 * standalone script, and tsx/esbuild's keepNames wraps named inner functions with a `__name` helper that would
 * not exist there.
 */

/** Resizes interleaved RGB `pixels` (width × height) to outWidth × outHeight exactly as Pillow's BICUBIC does. */
export function resizeRgb(
  pixels: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  const CHANNELS = 3;
  const PRECISION_BITS = 22; // 32 - 8 - 2: 8 bits of result, 2 for overflow and sign
  const ONE = 1 << PRECISION_BITS;
  const HALF = 1 << (PRECISION_BITS - 1);
  const SUPPORT = 2; // bicubic
  const A = -0.5;

  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`resizeRgb: bad source size ${width}×${height}`);
  }
  if (!(Number.isInteger(outWidth) && Number.isInteger(outHeight) && outWidth > 0 && outHeight > 0)) {
    throw new RangeError(`resizeRgb: bad target size ${outWidth}×${outHeight}`);
  }
  if (pixels.length !== width * height * CHANNELS) {
    throw new RangeError(`resizeRgb: expected ${width * height * CHANNELS} bytes, got ${pixels.length}`);
  }
  // Image.resize returns a plain copy when nothing changes.
  if (width === outWidth && height === outHeight) return pixels.slice();

  // Coefficient tables for both axes: axis 0 horizontal, axis 1 vertical. For output index i, taps for source
  // indices first[i] .. first[i] + count[i] - 1 live at weights[i * taps ...]. Built in one loop so that no inner
  // function is needed (see the header).
  const firsts: Int32Array[] = [];
  const counts: Int32Array[] = [];
  const weightTables: Int32Array[] = [];
  const tapCounts: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const inSize = axis === 0 ? width : height;
    const outSize = axis === 0 ? outWidth : outHeight;
    const scale = inSize / outSize;
    const filterScale = scale < 1 ? 1 : scale;
    const support = SUPPORT * filterScale;
    const taps = Math.ceil(support) * 2 + 1;
    const invFilterScale = 1 / filterScale;
    const first = new Int32Array(outSize);
    const count = new Int32Array(outSize);
    const weights = new Int32Array(outSize * taps);
    const raw = new Float64Array(taps);
    for (let i = 0; i < outSize; i++) {
      const center = (i + 0.5) * scale;
      // C's (int) cast truncates toward zero; negatives are clamped to 0 right after, so trunc is exact here.
      const lo = Math.max(0, Math.trunc(center - support + 0.5));
      const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
      const n = hi - lo;
      let sum = 0;
      for (let t = 0; t < n; t++) {
        // Same operation order as Pillow, so the doubles agree to the last bit.
        let x = (t + lo - center + 0.5) * invFilterScale;
        if (x < 0) x = -x;
        let w = 0;
        if (x < 1) w = ((A + 2) * x - (A + 3)) * x * x + 1;
        else if (x < 2) w = (((x - 5) * x + 8) * x - 4) * A;
        raw[t] = w;
        sum += w;
      }
      for (let t = 0; t < n; t++) {
        const w = sum !== 0 ? raw[t] / sum : raw[t];
        // Round half away from zero: (int)(±0.5 + w * 2^22) truncates toward zero.
        weights[i * taps + t] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
      }
      first[i] = lo;
      count[i] = n;
    }
    firsts.push(first);
    counts.push(count);
    weightTables.push(weights);
    tapCounts.push(taps);
  }

  // Every integer sum below stays well inside ±2^31 (|taps| sum to about 1.1 · 2^22, pixels ≤ 255), so the JS
  // double sums are exact and `>> 22` sees the same int32 Pillow's C code does.
  let source = pixels;
  let sourceWidth = width;
  const rowFirst = firsts[1];
  const rowCount = counts[1];

  if (outWidth !== width) {
    // Only the source rows the vertical pass will read: from the first row of output row 0 to the last of the
    // last output row (all rows when the height is unchanged).
    const yFirst = rowFirst[0];
    const yEnd = rowFirst[outHeight - 1] + rowCount[outHeight - 1];
    const first = firsts[0];
    const count = counts[0];
    const weights = weightTables[0];
    const taps = tapCounts[0];
    const rows = yEnd - yFirst;
    const temp = new Uint8Array(outWidth * rows * CHANNELS);
    const inStride = width * CHANNELS;
    let o = 0;
    for (let y = 0; y < rows; y++) {
      const rowStart = (y + yFirst) * inStride;
      for (let xx = 0; xx < outWidth; xx++) {
        const n = count[xx];
        const k0 = xx * taps;
        let p = rowStart + first[xx] * CHANNELS;
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let t = 0; t < n; t++) {
          const w = weights[k0 + t];
          r += pixels[p] * w;
          g += pixels[p + 1] * w;
          b += pixels[p + 2] * w;
          p += CHANNELS;
        }
        r >>= PRECISION_BITS;
        g >>= PRECISION_BITS;
        b >>= PRECISION_BITS;
        temp[o] = r < 0 ? 0 : r > 255 ? 255 : r;
        temp[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
        temp[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
        o += CHANNELS;
      }
    }
    if (outHeight === height) return temp;
    // The vertical taps now index the intermediate image, whose row 0 is source row yFirst.
    for (let i = 0; i < outHeight; i++) rowFirst[i] -= yFirst;
    source = temp;
    sourceWidth = outWidth;
  }

  // Vertical pass, row by row: accumulate whole source rows into one line of sums (the same integer sums Pillow
  // forms per pixel, in an order that walks memory contiguously).
  const weights = weightTables[1];
  const taps = tapCounts[1];
  const stride = sourceWidth * CHANNELS;
  const out = new Uint8Array(outWidth * outHeight * CHANNELS);
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outHeight; yy++) {
    acc.fill(HALF);
    const n = rowCount[yy];
    const k0 = yy * taps;
    let p = rowFirst[yy] * stride;
    for (let t = 0; t < n; t++) {
      const w = weights[k0 + t];
      for (let c = 0; c < stride; c++) acc[c] += source[p + c] * w;
      p += stride;
    }
    const o = yy * stride;
    for (let c = 0; c < stride; c++) {
      const v = acc[c] >> PRECISION_BITS;
      out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * Reduces interleaved RGB `pixels` (width × height) by integer factors exactly as Pillow's
 * `Image.reduce((factorX, factorY))` does: each output pixel is the rounded mean of its factorX × factorY block,
 * the last column/row of a size that is not a multiple taking the partial block. Output ceil(W/fx) × ceil(H/fy).
 */
export function reduceRgb(
  pixels: Uint8Array,
  width: number,
  height: number,
  factorX: number,
  factorY: number,
): { pixels: Uint8Array; width: number; height: number } {
  const CHANNELS = 3;
  const TWO_POW_32 = 4294967296; // Pillow's `float max_int = (1 << 30) * 4.0`

  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`reduceRgb: bad source size ${width}×${height}`);
  }
  if (!(Number.isInteger(factorX) && Number.isInteger(factorY) && factorX > 0 && factorY > 0)) {
    throw new RangeError(`reduceRgb: bad factors ${factorX}×${factorY}`);
  }
  // 256 · block size must fit Pillow's uint32 divisor (beyond that its multiplier is undefined).
  if (factorX * factorY >= 1 << 24) throw new RangeError(`reduceRgb: factors ${factorX}×${factorY} too large`);
  if (pixels.length !== width * height * CHANNELS) {
    throw new RangeError(`reduceRgb: expected ${width * height * CHANNELS} bytes, got ${pixels.length}`);
  }
  // Image.reduce returns a plain copy for (1, 1).
  if (factorX === 1 && factorY === 1) return { pixels: pixels.slice(), width, height };

  const outWidth = Math.floor((width + factorX - 1) / factorX);
  const outHeight = Math.floor((height + factorY - 1) / factorY);
  const fullColumns = Math.floor(width / factorX);
  const lastColumns = width - fullColumns * factorX; // width of the partial last block column, 0 if none
  const stride = width * CHANNELS;
  const out = new Uint8Array(outWidth * outHeight * CHANNELS);
  // One band of factorY source rows at a time, in one pass over the source: each source row sums its blocks'
  // pixels in registers and adds them to a line of per-output sums (a load and store per block, not per byte).
  // Every sum is an integer ≤ 255 · 2^24, exact in a double.
  const lineSums = new Float64Array(outWidth * CHANNELS);
  let o = 0;
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = oy * factorY;
    const rows = Math.min(height, y0 + factorY) - y0;
    lineSums.fill(0);
    for (let y = y0; y < y0 + rows; y++) {
      let p = y * stride;
      let q = 0;
      for (let ox = 0; ox < outWidth; ox++) {
        const columns = ox < fullColumns ? factorX : lastColumns;
        let r = 0;
        let g = 0;
        let b = 0;
        for (let k = 0; k < columns; k++) {
          r += pixels[p];
          g += pixels[p + 1];
          b += pixels[p + 2];
          p += CHANNELS;
        }
        lineSums[q] += r;
        lineSums[q + 1] += g;
        lineSums[q + 2] += b;
        q += CHANNELS;
      }
    }
    // division_UINT32(n, 8): (uint32)(float 2^32 / (float)(uint32)(256 · n)). fround of the double quotient of two
    // floats is the correctly rounded float32 quotient; trunc is C's cast. n = block pixels (partial at the edges).
    const fullCount = factorX * rows;
    const fullMultiplier = Math.trunc(Math.fround(TWO_POW_32 / Math.fround((256 * fullCount) >>> 0)));
    const fullHalf = fullCount >>> 1;
    const lastCount = lastColumns * rows;
    const lastMultiplier =
      lastCount > 0 ? Math.trunc(Math.fround(TWO_POW_32 / Math.fround((256 * lastCount) >>> 0))) : 0;
    const lastHalf = lastCount >>> 1;
    for (let ox = 0, q = 0; ox < outWidth; ox++, q += CHANNELS) {
      const full = ox < fullColumns;
      const multiplier = full ? fullMultiplier : lastMultiplier;
      const half = full ? fullHalf : lastHalf;
      // (Σ + amend) · multiplier < 2^32 (and < 2^53, so exact); >>> 24 is C's uint32 shift.
      out[o] = ((lineSums[q] + half) * multiplier) >>> 24;
      out[o + 1] = ((lineSums[q + 1] + half) * multiplier) >>> 24;
      out[o + 2] = ((lineSums[q + 2] + half) * multiplier) >>> 24;
      o += CHANNELS;
    }
  }
  return { pixels: out, width: outWidth, height: outHeight };
}

/**
 * The model's view of an image: box-reduce big images by Pillow's `Image.reduce`, keeping at least twice the
 * target size, then Pillow-exact bicubic to side × side (see the header for the Python equivalent).
 */
export function modelResize(pixels: Uint8Array, width: number, height: number, side: number): Uint8Array {
  if (!(Number.isInteger(side) && side > 0)) throw new RangeError(`modelResize: bad side ${side}`);
  // Same float divisions, same order, as Python's int(w / side / 2).
  const factorX = Math.max(1, Math.floor(width / side / 2));
  const factorY = Math.max(1, Math.floor(height / side / 2));
  if (factorX > 1 || factorY > 1) {
    const reduced = reduceRgb(pixels, width, height, factorX, factorY);
    return resizeRgb(reduced.pixels, reduced.width, reduced.height, side, side);
  }
  return resizeRgb(pixels, width, height, side, side);
}
