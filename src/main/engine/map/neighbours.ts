/**
 * The k nearest neighbours of every point by cosine distance, for the map's layout. Up to a few thousand points
 * they are exact: one matrix product against every point. Beyond, every point against every point is too slow
 * (70,000² products of 64 numbers take most of a minute on two cores), so the points are first grouped by
 * spherical k-means into about √n clusters, and each cluster's points are compared only with the points of the
 * clusters nearest to it (an inverted-file search, as vector indexes do). Both run on the active tfjs backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../ml/rng';

export interface NeighbourGraph {
  /** Row i holds point i's k nearest other points, nearest first. */
  indices: Int32Array;
  /** 1 − cosine similarity, in the same layout. */
  distances: Float32Array;
  k: number;
}

export interface NeighbourOptions {
  seed?: number;
  /** Clusters each cluster's points are compared against (its own included). */
  probes?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Up to this many points, every point is compared with every other. */
export const exactUpTo = 5000;
/** Queries per matrix product, so a block's similarities fit in memory (256 × 100,000 floats is 100 MB). */
const queryBlock = 256;
const kMeansIterations = 8;

const yieldToEvents = () => new Promise((resolve) => setImmediate(resolve)); // lets a cancel message in

/** The rows as unit vectors on the backend; a zero vector has no direction and stays zero, at distance 1 from all. */
function unitRows(rows: Float32Array, count: number, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.tensor2d(rows, [count, dim]);
    return x.div(x.norm('euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D;
  });
}

const emptyGraph = (count: number, k: number): NeighbourGraph => ({ indices: new Int32Array(count * k), distances: new Float32Array(count * k), k });

/**
 * The exact k nearest neighbours of some points (`queries`) among all of them; the graph's other rows stay
 * empty. What placing a few new images into a kept map needs.
 */
export async function neighboursOf(rows: Float32Array, count: number, dim: number, k: number, queries: Int32Array, signal?: AbortSignal): Promise<NeighbourGraph> {
  const graph = emptyGraph(count, Math.min(k, count - 1));
  if (graph.k <= 0 || queries.length === 0) return graph;
  const points = unitRows(rows, count, dim);
  try {
    await searchAmong(points, queries, Int32Array.from({ length: count }, (_, i) => i), graph, signal);
  } finally {
    points.dispose();
  }
  return graph;
}

export async function nearestNeighbours(rows: Float32Array, count: number, dim: number, k: number, options: NeighbourOptions = {}): Promise<NeighbourGraph> {
  const graph = emptyGraph(count, Math.min(k, count - 1));
  if (graph.k <= 0) return graph;
  const points = unitRows(rows, count, dim);
  try {
    const everyPoint = Int32Array.from({ length: count }, (_, i) => i);
    if (count <= exactUpTo) {
      await searchAmong(points, everyPoint, everyPoint, graph, options.signal);
    } else {
      const clusters = await sphericalKMeans(points, Math.round(Math.sqrt(count)), new Rng(options.seed ?? 1), options.signal);
      const near = nearestClusters(clusters.centroids, Math.min(options.probes ?? 8, clusters.members.length));
      for (let c = 0; c < clusters.members.length; c++) {
        const candidates = Int32Array.from(near[c].flatMap((other) => Array.from(clusters.members[other])));
        await searchAmong(points, clusters.members[c], candidates, graph, options.signal);
        options.onProgress?.((c + 1) / clusters.members.length);
      }
      clusters.centroids.dispose();
    }
  } finally {
    points.dispose();
  }
  return graph;
}

/** For each query (a point's index), its graph row: the `graph.k` nearest of the candidates other than itself. */
async function searchAmong(points: tf.Tensor2D, queries: Int32Array, candidates: Int32Array, graph: NeighbourGraph, signal?: AbortSignal): Promise<void> {
  if (queries.length === 0) return;
  // Candidates as columns: a product with an untransposed right side is several times faster on wasm.
  const columns = tf.tidy(() => tf.gather(points, candidates).transpose() as tf.Tensor2D);
  try {
    for (let start = 0; start < queries.length; start += queryBlock) {
      signal?.throwIfAborted();
      const block = queries.subarray(start, start + queryBlock);
      const product = tf.tidy(() => tf.matMul(tf.gather(points, block), columns));
      const similarity = (await product.data()) as Float32Array;
      product.dispose();
      for (let row = 0; row < block.length; row++) {
        keepNearest(similarity.subarray(row * candidates.length, (row + 1) * candidates.length), candidates, block[row], graph);
      }
      await yieldToEvents();
    }
  } finally {
    columns.dispose();
  }
}

/** The graph row of `self`: the k most similar candidates, most similar first, itself left out. */
function keepNearest(similarity: Float32Array, candidates: Int32Array, self: number, graph: NeighbourGraph): void {
  const { k } = graph;
  const best = new Float32Array(k).fill(-Infinity);
  const bestIndex = new Int32Array(k).fill(-1);
  let floor = -Infinity;
  for (let j = 0; j < similarity.length; j++) {
    const s = similarity[j];
    if (s <= floor || candidates[j] === self) continue;
    let p = k - 1;
    while (p > 0 && best[p - 1] < s) {
      best[p] = best[p - 1];
      bestIndex[p] = bestIndex[p - 1];
      p--;
    }
    best[p] = s;
    bestIndex[p] = candidates[j];
    floor = best[k - 1];
  }
  for (let p = 0; p < k; p++) {
    // Too few candidates (a tiny cluster and its neighbours) leave a row short: it repeats its last neighbour.
    const from = bestIndex[p] >= 0 ? p : Math.max(0, bestIndex.findLastIndex((i) => i >= 0));
    graph.indices[self * k + p] = bestIndex[from] >= 0 ? bestIndex[from] : self;
    graph.distances[self * k + p] = bestIndex[from] >= 0 ? Math.max(0, 1 - best[from]) : 1;
  }
}

interface Clusters {
  centroids: tf.Tensor2D;
  members: Int32Array[];
}

/** Spherical k-means: each point joins its most similar centroid, a centroid is its members' normalised mean. */
async function sphericalKMeans(points: tf.Tensor2D, clusterCount: number, rng: Rng, signal?: AbortSignal): Promise<Clusters> {
  const [count] = points.shape;
  const seeds = rng.shuffle(Array.from({ length: count }, (_, i) => i)).slice(0, clusterCount);
  let centroids = tf.gather(points, seeds) as tf.Tensor2D;
  let assignment: Int32Array = new Int32Array(count);
  for (let iteration = 0; iteration < kMeansIterations; iteration++) {
    signal?.throwIfAborted();
    assignment = await mostSimilarCentroid(points, centroids);
    const next = tf.tidy(() => {
      const sums = tf.unsortedSegmentSum(points, tf.tensor1d(assignment, 'int32'), clusterCount) as tf.Tensor2D;
      return sums.div(sums.norm('euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D;
    });
    centroids.dispose();
    centroids = next;
    await yieldToEvents();
  }
  const members = Array.from({ length: clusterCount }, () => [] as number[]);
  assignment.forEach((c, i) => members[c].push(i));
  // An empty cluster (its centroid emptied to zero) simply has no members to search for.
  return { centroids, members: members.map((m) => Int32Array.from(m)) };
}

async function mostSimilarCentroid(points: tf.Tensor2D, centroids: tf.Tensor2D): Promise<Int32Array> {
  const [count] = points.shape;
  const assignment = new Int32Array(count);
  const columns = centroids.transpose();
  const block = 4096;
  for (let start = 0; start < count; start += block) {
    const size = Math.min(block, count - start);
    const best = tf.tidy(() => tf.matMul(points.slice([start, 0], [size, -1]), columns).argMax(1));
    assignment.set((await best.data()) as Int32Array, start);
    best.dispose();
  }
  columns.dispose();
  return assignment;
}

/** Each cluster's `probes` most similar clusters, itself first. */
function nearestClusters(centroids: tf.Tensor2D, probes: number): number[][] {
  const found = tf.tidy(() => tf.topk(tf.matMul(centroids, centroids, false, true), probes).indices);
  const flat = found.dataSync() as Int32Array;
  found.dispose();
  const clusterCount = centroids.shape[0];
  return Array.from({ length: clusterCount }, (_, c) => {
    const row = Array.from(flat.subarray(c * probes, (c + 1) * probes));
    return [c, ...row.filter((other) => other !== c)].slice(0, probes);
  });
}
