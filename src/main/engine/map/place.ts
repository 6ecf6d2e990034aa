/**
 * New images placed into a map that is kept: each starts at the membership-weighted mean of its mapped
 * neighbours' places, then only the new points move, for a third of a layout's epochs, along UMAP's gradient
 * over the edges that touch them (umap-learn's transform does the same). The mapped points stay exactly where
 * they are, so what the user has learnt of the map still holds.
 */
import { fuzzyGraph, type FuzzyGraph } from './fuzzy-graph';
import { layoutEpochs } from './layout';
import { neighboursOf } from './neighbours';
import { optimiseLayout } from './optimise-layout';

/** The unit-square map in the units UMAP's gradient assumes (a layout spans about 20 of them). */
const mapSpan = 20;

export async function placeIntoMap(
  vectors: Float32Array[],
  /** The unit-square place of each vector, null for the new ones. */
  places: ([number, number] | null)[],
  options: { neighbors: number; seed: number },
  onProgress: (fraction: number) => void = () => {},
  signal?: AbortSignal,
): Promise<[number, number][]> {
  const count = vectors.length;
  const dim = vectors[0].length;
  const rows = new Float32Array(count * dim);
  vectors.forEach((v, i) => rows.set(v, i * dim));
  const fresh = Int32Array.from(places.flatMap((p, i) => (p === null ? [i] : [])));
  const graph = fuzzyGraph(await neighboursOf(rows, count, dim, options.neighbors, fresh, signal), fresh);
  onProgress(0.3);
  const positions = new Float64Array(count * 2);
  places.forEach((p, i) => {
    if (p) [positions[2 * i], positions[2 * i + 1]] = [p[0] * mapSpan, p[1] * mapSpan];
  });
  startAtNeighbours(positions, graph, places);
  const movable = new Uint8Array(count);
  fresh.forEach((i) => (movable[i] = 1));
  await optimiseLayout(positions, graph, {
    epochs: Math.ceil(layoutEpochs(count) / 3),
    seed: options.seed,
    movable,
    signal,
    onEpochs: async (f) => {
      onProgress(0.3 + 0.7 * f);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  return places.map((p, i) => p ?? [positions[2 * i] / mapSpan, positions[2 * i + 1] / mapSpan]);
}

/** Each new point at the weighted mean of its mapped neighbours (or, with none mapped, of the map's centre). */
function startAtNeighbours(positions: Float64Array, graph: FuzzyGraph, places: ([number, number] | null)[]): void {
  const sums = new Map<number, [number, number, number]>();
  for (let e = 0; e < graph.heads.length; e++) {
    const [from, to, w] = [graph.heads[e], graph.tails[e], graph.weights[e]];
    if (places[from] !== null || places[to] === null) continue;
    const sum = sums.get(from) ?? [0, 0, 0];
    sums.set(from, [sum[0] + w * positions[2 * to], sum[1] + w * positions[2 * to + 1], sum[2] + w]);
  }
  places.forEach((p, i) => {
    if (p) return;
    const [x, y, w] = sums.get(i) ?? [mapSpan / 2, mapSpan / 2, 1];
    // A trace of spread, so new points with the same neighbours do not start on one spot.
    positions[2 * i] = x / w + ((i * 0.618) % 1) * 1e-3;
    positions[2 * i + 1] = y / w + ((i * 0.382) % 1) * 1e-3;
  });
}
