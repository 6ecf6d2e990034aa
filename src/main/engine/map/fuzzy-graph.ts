/**
 * UMAP's fuzzy neighbour graph (McInnes et al. 2018, §3): each point's kNN distances become memberships
 * exp(−(d − ρ)/σ), ρ its nearest neighbour's distance and σ chosen so the memberships sum to log2 k; the two
 * directions of an edge are joined as a fuzzy union, a + b − ab.
 */
import type { NeighbourGraph } from './neighbours';

export interface FuzzyGraph {
  /** Both directions of every undirected edge, as umap-learn's symmetric matrix holds them. */
  heads: Int32Array;
  tails: Int32Array;
  weights: Float32Array;
  count: number;
}

const bisectionSteps = 64;
const tolerance = 1e-5;
/** σ never falls below this share of a point's mean neighbour distance (umap-learn's MIN_K_DIST_SCALE). */
const minDistanceScale = 1e-3;

/** ρ and σ of one point from its neighbour distances, nearest first. */
export function smoothDistances(distances: ArrayLike<number>): { rho: number; sigma: number } {
  const k = distances.length;
  const target = Math.log2(k);
  let rho = 0;
  for (let j = 0; j < k; j++) {
    if (distances[j] > 0) {
      rho = distances[j];
      break;
    }
  }
  let [low, high, sigma] = [0, Infinity, 1];
  for (let step = 0; step < bisectionSteps; step++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const d = distances[j] - rho;
      sum += d > 0 ? Math.exp(-d / sigma) : 1;
    }
    if (Math.abs(sum - target) < tolerance) break;
    if (sum > target) {
      high = sigma;
      sigma = (low + high) / 2;
    } else {
      low = sigma;
      sigma = high === Infinity ? sigma * 2 : (low + high) / 2;
    }
  }
  let mean = 0;
  for (let j = 0; j < k; j++) mean += distances[j] / k;
  return { rho, sigma: Math.max(sigma, minDistanceScale * mean) };
}

/** The fuzzy graph of every point's neighbours, or of only some points' (`rows`) where only they were searched. */
export function fuzzyGraph(graph: NeighbourGraph, rows?: ArrayLike<number>): FuzzyGraph {
  const { k, indices, distances } = graph;
  const count = indices.length / Math.max(1, k);
  // Directed memberships, keyed by (from, to) so the reverse direction can be found for the union.
  const directed = new Map<number, number>();
  const searched = rows ?? { length: count };
  for (let r = 0; r < searched.length; r++) {
    const i = rows ? rows[r] : r;
    const row = distances.subarray(i * k, (i + 1) * k);
    const { rho, sigma } = smoothDistances(row);
    for (let j = 0; j < k; j++) {
      const to = indices[i * k + j];
      if (to === i) continue;
      const d = row[j] - rho;
      directed.set(i * count + to, d > 0 ? Math.exp(-d / sigma) : 1);
    }
  }
  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  for (const [key, a] of directed) {
    const [from, to] = [Math.floor(key / count), key % count];
    const b = directed.get(to * count + from) ?? 0;
    const union = a + b - a * b;
    heads.push(from, to);
    tails.push(to, from);
    weights.push(union, union);
    if (b > 0) directed.delete(to * count + from); // its pair is written now; it must not be written again
  }
  return { heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: Float32Array.from(weights), count };
}
