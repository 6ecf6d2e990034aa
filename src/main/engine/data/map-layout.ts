/** The 2-D embedding map: UMAP over the representations, with cosine distance, scaled into the unit square. */
import { UMAP } from 'umap-js';
import { Rng } from '../ml/rng';

function cosineDistance(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return 1 - dot / (Math.sqrt(normA * normB) || 1);
}

/** Rescales points so the map fills [0,1]² whatever UMAP's arbitrary units were. */
export function normaliseToUnitSquare(points: number[][]): [number, number][] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  return points.map(([x, y]) => [(x - minX) / span, (y - minY) / span]);
}

export async function layoutMap(
  vectors: Float32Array[],
  options: { neighbors: number; seed: number },
  onProgress: (fraction: number) => void = () => {},
  signal?: AbortSignal,
): Promise<[number, number][]> {
  if (vectors.length < 3) return vectors.map((_, i) => [i / Math.max(1, vectors.length - 1), 0.5]);
  const rng = new Rng(options.seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.neighbors, vectors.length - 1),
    minDist: 0.1,
    distanceFn: cosineDistance,
    random: () => rng.next(),
  });
  const epochs = umap.initializeFit(vectors.map((v) => Array.from(v)));
  for (let epoch = 0; epoch < epochs; epoch++) {
    signal?.throwIfAborted();
    umap.step();
    if (epoch % 10 === 0) {
      onProgress(epoch / epochs);
      await new Promise((resolve) => setImmediate(resolve)); // lets a cancel message in
    }
  }
  return normaliseToUnitSquare(umap.getEmbedding());
}
