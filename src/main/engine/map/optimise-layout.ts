/**
 * UMAP's layout optimisation (umap-learn's optimize_layout_euclidean): stochastic gradient descent on the fuzzy
 * cross-entropy between the neighbour graph and the 2-D points. Each edge is pulled together as often as its
 * weight says, each pull followed by pushes from random points; the step size falls linearly to zero.
 */
import type { FuzzyGraph } from './fuzzy-graph';

/**
 * The curve 1 / (1 + a·d^2b) that UMAP fits to its min_dist, for min_dist 0.1 and spread 1 (umap-learn's
 * find_ab_params gives these for its default settings, which the map uses).
 */
export const curve = { a: 1.576943460405378, b: 0.8950608781227859 };

export interface OptimiseOptions {
  epochs: number;
  /** Pushes from random points per pull (umap-learn's negative_sample_rate). */
  negativeSamples?: number;
  /** Points that may move; the others stay where they are (placing new points into a kept map). */
  movable?: Uint8Array;
  seed: number;
  signal?: AbortSignal;
  /** Called every few epochs with the share done; may be async, to let a cancel in. */
  onEpochs?: (fraction: number) => Promise<void> | void;
}

const clipGradient = (g: number) => (g > 4 ? 4 : g < -4 ? -4 : g);

export async function optimiseLayout(positions: Float64Array, graph: FuzzyGraph, options: OptimiseOptions): Promise<void> {
  const { epochs, negativeSamples = 5, movable } = options;
  const { heads, tails, weights, count } = graph;
  const { a, b } = curve;
  let maxWeight = 0;
  for (const w of weights) maxWeight = Math.max(maxWeight, w);
  // Edges too weak to be sampled once in the run are dropped, as umap-learn does.
  const edges: number[] = [];
  for (let e = 0; e < weights.length; e++) if (weights[e] >= maxWeight / epochs) edges.push(e);
  const epochsPerSample = Float64Array.from(edges, (e) => maxWeight / weights[e]);
  const nextSample = epochsPerSample.slice();
  const epochsPerNegative = epochsPerSample.map((x) => x / negativeSamples);
  const nextNegative = epochsPerNegative.slice();
  let random = (options.seed >>> 0) || 1; // xorshift32: the negative samples are the hot loop's only randomness
  const randomPoint = () => {
    random ^= random << 13;
    random ^= random >>> 17;
    random ^= random << 5;
    return (random >>> 0) % count;
  };
  const reportEvery = Math.max(1, Math.round(epochs / 50));
  for (let epoch = 0; epoch < epochs; epoch++) {
    options.signal?.throwIfAborted();
    const alpha = 1 - epoch / epochs;
    for (let s = 0; s < edges.length; s++) {
      if (nextSample[s] > epoch) continue;
      const e = edges[s];
      const j = heads[e];
      const k = tails[e];
      const moveJ = !movable || movable[j] === 1;
      const moveK = !movable || movable[k] === 1;
      if (moveJ || moveK) {
        const dx = positions[2 * j] - positions[2 * k];
        const dy = positions[2 * j + 1] - positions[2 * k + 1];
        const d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          const powB = Math.exp(b * Math.log(d2));
          const pull = (-2 * a * b * (powB / d2)) / (a * powB + 1);
          const gx = clipGradient(pull * dx) * alpha;
          const gy = clipGradient(pull * dy) * alpha;
          if (moveJ) {
            positions[2 * j] += gx;
            positions[2 * j + 1] += gy;
          }
          if (moveK) {
            positions[2 * k] -= gx;
            positions[2 * k + 1] -= gy;
          }
        }
      }
      nextSample[s] += epochsPerSample[s];
      const pushes = Math.floor((epoch - nextNegative[s]) / epochsPerNegative[s]);
      if (moveJ) {
        for (let p = 0; p < pushes; p++) {
          const other = randomPoint();
          if (other === j) continue;
          const dx = positions[2 * j] - positions[2 * other];
          const dy = positions[2 * j + 1] - positions[2 * other + 1];
          const d2 = dx * dx + dy * dy;
          if (d2 <= 0) continue;
          const push = (2 * b) / ((0.001 + d2) * (a * Math.exp(b * Math.log(d2)) + 1));
          positions[2 * j] += clipGradient(push * dx) * alpha;
          positions[2 * j + 1] += clipGradient(push * dy) * alpha;
        }
      }
      nextNegative[s] += pushes * epochsPerNegative[s];
    }
    if (epoch % reportEvery === 0) await options.onEpochs?.(epoch / epochs);
  }
}
