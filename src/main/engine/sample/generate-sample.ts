/** A sample image folder to try the app on: classes told apart by shape or texture alone, never by colour. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export interface SampleOptions {
  perClass?: number;
  size?: number;
  seed?: number;
  classes?: number;
}

export interface SampleFolder {
  dir: string;
  files: number;
  classes: string[];
  labelsCsv: string;
}

type Rgb = [number, number, number];
type Random = () => number;
/** Says whether pixel (x, y) belongs to the foreground shape; built once per image from its random draws. */
type Mask = (x: number, y: number) => boolean;
type Format = 'png' | 'jpg' | 'webp';

const DEFAULTS = { perClass: 75, size: 64, seed: 42, classes: 4 };

/** Mostly PNG and JPEG, some WebP, so an import exercises every decoder. */
const FORMAT_CYCLE: Format[] = ['png', 'jpg', 'png', 'jpg', 'webp'];

/** Classes differ by shape or texture only: colours, positions, sizes and rotation are drawn alike for all. */
const SHAPES: Record<string, (size: number, random: Random) => Mask> = {
  circles: circlesMask,
  stripes: stripesMask,
  checkers: checkersMask,
  triangles: trianglesMask,
  rings: ringsMask,
  crosses: crossesMask,
};

export const SAMPLE_CLASS_NAMES = Object.keys(SHAPES);

/** Writes `dir/<class>/<class>_NNN.<ext>` (ImageFolder layout) plus `dir/labels.csv`, identical for the same seed. */
export async function generateSampleFolder(dir: string, options: SampleOptions = {}): Promise<SampleFolder> {
  const { perClass, size, seed, classes: classCount } = validated({ ...DEFAULTS, ...definedOnly(options) });
  const root = resolve(dir);
  const classes = SAMPLE_CLASS_NAMES.slice(0, classCount);
  const digits = Math.max(3, String(perClass - 1).length);
  const rows: string[] = ['path,label'];

  for (const [classIndex, label] of classes.entries()) {
    await mkdir(join(root, label), { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < perClass; i++) {
      // Each image has its own random stream, so its pixels stay the same when perClass or the class count changes.
      const random = mulberry32(hashSeed(seed, classIndex, i));
      const pixels = renderImage(SHAPES[label], size, random);
      const format = FORMAT_CYCLE[i % FORMAT_CYCLE.length];
      const relativePath = `${label}/${label}_${String(i).padStart(digits, '0')}.${format}`;
      rows.push(`${relativePath},${label}`);
      writes.push(encode(pixels, size, format).then((bytes) => writeFile(join(root, relativePath), bytes)));
    }
    await Promise.all(writes);
  }

  const labelsCsv = join(root, 'labels.csv');
  await writeFile(labelsCsv, rows.join('\n') + '\n');
  return { dir: root, files: classes.length * perClass, classes, labelsCsv };
}

function definedOnly(options: SampleOptions): SampleOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function validated(options: Required<SampleOptions>): Required<SampleOptions> {
  const { perClass, size, seed, classes } = options;
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`perClass must be a whole number ≥ 1, got ${perClass}`);
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`size must be a whole number in 16..1024, got ${size}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number, got ${seed}`);
  const most = SAMPLE_CLASS_NAMES.length;
  if (!Number.isInteger(classes) || classes < 2 || classes > most) throw new Error(`classes must be a whole number in 2..${most}, got ${classes}`);
  return options;
}

function encode(pixels: Buffer, size: number, format: Format): Promise<Buffer> {
  const image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  if (format === 'png') return image.png().toBuffer();
  if (format === 'jpg') return image.jpeg({ quality: 90 }).toBuffer();
  return image.webp({ quality: 90 }).toBuffer();
}

function renderImage(shape: (size: number, random: Random) => Mask, size: number, random: Random): Buffer {
  const [background, foreground] = contrastingColours(random);
  const mask = shape(size, random);
  const noise = 4 + random() * 10;
  const pixels = Buffer.alloc(size * size * 3);
  let offset = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const colour = mask(x + 0.5, y + 0.5) ? foreground : background;
      for (let channel = 0; channel < 3; channel++) {
        // Sum of two uniforms: a cheap bell-shaped noise, the same for every class.
        const jitter = (random() + random() - 1) * noise;
        pixels[offset++] = clampByte(colour[channel] + jitter);
      }
    }
  }
  return pixels;
}

/** Random background and foreground that stay visibly apart, so every shape can be seen. */
function contrastingColours(random: Random): [Rgb, Rgb] {
  const background = randomColour(random);
  for (;;) {
    const foreground = randomColour(random);
    if (Math.abs(luma(foreground) - luma(background)) > 60) return [background, foreground];
  }
}

function randomColour(random: Random): Rgb {
  return [random() * 255, random() * 255, random() * 255];
}

function luma([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

// ---- Shapes: each draws its own geometry and returns a point test. ----

function circlesMask(size: number, random: Random): Mask {
  const discs = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
    cx: nearCentre(size, random),
    cy: nearCentre(size, random),
    r: size * (0.12 + random() * 0.2),
  }));
  return (x, y) => discs.some(({ cx, cy, r }) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r);
}

function ringsMask(size: number, random: Random): Mask {
  const rings = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
    const outer = size * (0.18 + random() * 0.2);
    return { cx: nearCentre(size, random), cy: nearCentre(size, random), outer, inner: outer * (0.45 + random() * 0.25) };
  });
  return (x, y) =>
    rings.some(({ cx, cy, outer, inner }) => {
      const distance = Math.hypot(x - cx, y - cy);
      return distance <= outer && distance >= inner;
    });
}

function stripesMask(size: number, random: Random): Mask {
  const period = size * (0.1 + random() * 0.15);
  const [u] = rotatedAxes(random() * Math.PI, random() * period);
  return (x, y) => fraction(u(x, y) / period) < 0.5;
}

function checkersMask(size: number, random: Random): Mask {
  const cell = size * (0.08 + random() * 0.12);
  const [u, v] = rotatedAxes(random() * Math.PI, random() * cell);
  return (x, y) => (Math.floor(u(x, y) / cell) + Math.floor(v(x, y) / cell)) % 2 === 0;
}

function trianglesMask(size: number, random: Random): Mask {
  const triangles = Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
    regularPolygon(nearCentre(size, random), nearCentre(size, random), size * (0.2 + random() * 0.2), 3, random() * Math.PI * 2),
  );
  return (x, y) => triangles.some((corners) => insideConvex(corners, x, y));
}

function crossesMask(size: number, random: Random): Mask {
  const crosses = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
    const arm = size * (0.18 + random() * 0.17);
    const [u, v] = rotatedAxes(random() * Math.PI, 0, nearCentre(size, random), nearCentre(size, random));
    return { u, v, arm, halfWidth: arm * (0.2 + random() * 0.15) };
  });
  return (x, y) =>
    crosses.some(({ u, v, arm, halfWidth }) => {
      const along = Math.abs(u(x, y));
      const across = Math.abs(v(x, y));
      return (along <= arm && across <= halfWidth) || (across <= arm && along <= halfWidth);
    });
}

/** Keeps a shape's centre off the border so that most of it stays in view. */
function nearCentre(size: number, random: Random): number {
  return size * (0.15 + 0.7 * random());
}

/** Coordinates along and across a rotated axis through (cx, cy), shifted by `phase` along both. */
function rotatedAxes(angle: number, phase: number, cx = 0, cy = 0): [(x: number, y: number) => number, (x: number, y: number) => number] {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return [
    (x, y) => (x - cx) * cos + (y - cy) * sin + phase,
    (x, y) => -(x - cx) * sin + (y - cy) * cos + phase,
  ];
}

function regularPolygon(cx: number, cy: number, radius: number, corners: number, rotation: number): Array<[number, number]> {
  return Array.from({ length: corners }, (_, k) => {
    const angle = rotation + (k * 2 * Math.PI) / corners;
    return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as [number, number];
  });
}

/** Inside when on the same side of every edge, whichever way the corners turn. */
function insideConvex(corners: Array<[number, number]>, x: number, y: number): boolean {
  let sign = 0;
  for (let k = 0; k < corners.length; k++) {
    const [ax, ay] = corners[k];
    const [bx, by] = corners[(k + 1) % corners.length];
    const side = Math.sign((bx - ax) * (y - ay) - (by - ay) * (x - ax));
    if (side !== 0 && sign !== 0 && side !== sign) return false;
    if (side !== 0) sign = side;
  }
  return true;
}

function fraction(value: number): number {
  return value - Math.floor(value);
}

// ---- Deterministic randomness: small and dependency-free, identical on every platform. ----

function hashSeed(...parts: number[]): number {
  let hash = 2166136261;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part | 0), 16777619);
    hash ^= hash >>> 13;
  }
  return hash >>> 0;
}

function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
