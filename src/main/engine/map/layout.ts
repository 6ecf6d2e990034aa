/**
 * The 2-D embedding map: UMAP over the representations (cosine neighbours, min_dist 0.1), started from their
 * first two principal components and scaled into the unit square. A wide encoder's vectors are brought down to
 * `searchDimensions` principal components first, as the neighbour search costs in proportion to their width.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { fuzzyGraph } from './fuzzy-graph';
import { nearestNeighbours } from './neighbours';
import { optimiseLayout } from './optimise-layout';
import { principalComponents } from './principal-components';

export interface LayoutOptions {
  neighbors: number;
  seed: number;
}

const searchDimensions = 64;
/** From this many points the layout's epochs are shared between threads, one a core (up to four). */
const threadedFrom = 20_000;
/** Where the layout starts: the principal components scaled to ±10, as umap-learn scales its initialisations. */
const startingSpan = 10;

/** Rescales points so the map fills [0,1]² whatever UMAP's arbitrary units were. */
export function normaliseToUnitSquare(points: ArrayLike<number>): [number, number][] {
  const count = points.length / 2;
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    [minX, maxX] = [Math.min(minX, points[2 * i]), Math.max(maxX, points[2 * i])];
    [minY, maxY] = [Math.min(minY, points[2 * i + 1]), Math.max(maxY, points[2 * i + 1])];
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  return Array.from({ length: count }, (_, i) => [(points[2 * i] - minX) / span, (points[2 * i + 1] - minY) / span]);
}

/** umap-learn's epochs: 500 for a small set, 200 beyond 10,000 points, where each epoch holds more steps. */
export const layoutEpochs = (count: number) => (count <= 10_000 ? 500 : 200);

export async function layoutMap(
  vectors: Float32Array[],
  options: LayoutOptions,
  onProgress: (fraction: number, stage: string) => void = () => {},
  signal?: AbortSignal,
): Promise<[number, number][]> {
  const count = vectors.length;
  if (count < 3) return vectors.map((_, i) => [i / Math.max(1, count - 1), 0.5]);
  const dim = vectors[0].length;
  const rows = new Float32Array(count * dim);
  vectors.forEach((v, i) => rows.set(v, i * dim));
  const { searchRows, searchDim, start } = tf.tidy(() => {
    const all = tf.tensor2d(rows, [count, dim]);
    const unit = all.div(all.norm('euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D;
    const reduced = dim > searchDimensions ? principalComponents(unit, searchDimensions, options.seed) : unit;
    return { searchRows: reduced.dataSync() as Float32Array, searchDim: reduced.shape[1], start: principalComponents(unit, 2, options.seed).dataSync() as Float32Array };
  });
  onProgress(0.05, 'Finding each image’s nearest neighbours');
  const neighbours = await nearestNeighbours(searchRows, count, searchDim, options.neighbors, {
    seed: options.seed,
    signal,
    onProgress: (f) => onProgress(0.05 + 0.3 * f, 'Finding each image’s nearest neighbours'),
  });
  const graph = fuzzyGraph(neighbours);
  const positions = scaledStart(start, options.seed);
  const epochs = layoutEpochs(count);
  await optimiseLayout(positions, graph, {
    epochs,
    seed: options.seed,
    threads: count >= threadedFrom ? Math.min(4, availableParallelism()) : 1,
    signal,
    onEpochs: async (f) => {
      onProgress(0.35 + 0.65 * f, 'Laying out the 2-D map (UMAP)');
      await new Promise((resolve) => setImmediate(resolve)); // lets a cancel message in
    },
  });
  return normaliseToUnitSquare(positions);
}

/** The principal components scaled so the widest coordinate is ±10, with a trace of noise so no two coincide. */
function scaledStart(start: Float32Array, seed: number): Float64Array {
  let widest = 0;
  for (const v of start) widest = Math.max(widest, Math.abs(v));
  const scale = startingSpan / (widest || 1);
  let state = seed >>> 0 || 1;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 4294967296 - 0.5) * 2e-4;
  };
  return Float64Array.from(start, (v) => v * scale + noise());
}
