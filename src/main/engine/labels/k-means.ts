/**
 * k-means around fixed centres: Lloyd's iterations (assign each point to its nearest centre, move each free
 * centre to its members' mean) from a k-means++ start (Arthur & Vassilvitskii, 2007). The fixed centres are
 * images already labelled: they never move, so the free centres settle in the regions no label covers yet,
 * as "Active learning on a budget" (Hacohen et al., 2022) wants of its clusters. Hamerly's bounds ("Making
 * k-means even faster", 2010) skip the points whose centre cannot have changed, most of them after a few
 * iterations, so 600 centres over 20,000 points take seconds.
 */
import type { Rng } from '../ml/rng';
import type { Points } from './k-center';

export interface Clustering {
  /** For each candidate, its free cluster, or -1 where a fixed centre is nearer than every free one. */
  assignment: Int32Array;
  /** Candidates per free cluster. */
  sizes: Int32Array;
}

export interface KMeansOptions {
  /** On 20,000 image embeddings and 600 centres, the tenth iteration moves under 1 % of the points. */
  iterations?: number;
  /**
   * A free cluster left with fewer members restarts at a random member of the largest one (splitting it),
   * so centres are not spent on outliers.
   */
  minClusterSize?: number;
}

/** Rows copied next to each other with their squared norms, so the hot loop reads memory in order. */
interface Packed {
  data: Float32Array;
  squaredNorms: Float64Array;
  dim: number;
}

function pack(points: Points, rows: ArrayLike<number>): Packed {
  const { dim } = points;
  const data = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) data.set(points.data.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
  const packed = { data, squaredNorms: new Float64Array(rows.length), dim };
  for (let i = 0; i < rows.length; i++) packed.squaredNorms[i] = squaredNormOf(packed, i);
  return packed;
}

function squaredNormOf(p: Packed, i: number): number {
  let sum = 0;
  for (let k = i * p.dim; k < (i + 1) * p.dim; k++) sum += p.data[k] * p.data[k];
  return sum;
}

/** ‖x − c‖ from ‖x‖² + ‖c‖² − 2 x·c: one dot product per pair, in four running sums (twice as fast in V8). */
function distance(x: Packed, i: number, c: Packed, j: number): number {
  const { dim } = x;
  const a = x.data;
  const b = c.data;
  const xi = i * dim;
  const cj = j * dim;
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4) {
    d0 += a[xi + k] * b[cj + k];
    d1 += a[xi + k + 1] * b[cj + k + 1];
    d2 += a[xi + k + 2] * b[cj + k + 2];
    d3 += a[xi + k + 3] * b[cj + k + 3];
  }
  for (; k < dim; k++) d0 += a[xi + k] * b[cj + k];
  return Math.sqrt(Math.max(0, x.squaredNorms[i] + c.squaredNorms[j] - 2 * (d0 + d1 + d2 + d3)));
}

function emptyCentres(k: number, dim: number): Packed {
  return { data: new Float32Array(k * dim), squaredNorms: new Float64Array(k), dim };
}

function setCentre(centres: Packed, c: number, x: Packed, i: number): void {
  const { dim } = x;
  centres.data.set(x.data.subarray(i * dim, (i + 1) * dim), c * dim);
  centres.squaredNorms[c] = x.squaredNorms[i];
}

/**
 * k-means++: each centre drawn with probability proportional to its squared distance from the centres so
 * far. (The greedy variant, best of several draws, reached lower k-means costs on Fashion-MNIST but gave
 * picks that trained worse classifiers in bench:suggest, and costs a pass over the points per draw.)
 */
function plusPlus(x: Packed, k: number, nearest: Float64Array, rng: Rng): Packed {
  const centres = emptyCentres(k, x.dim);
  const squared = nearest.map((d) => d * d);
  for (let c = 0; c < k; c++) {
    let total = 0;
    for (let i = 0; i < squared.length; i++) total += squared[i];
    // Nothing covered yet (or everything exactly): any point is as good a start as another.
    const drawn = Number.isFinite(total) && total > 0 ? drawProportional(squared, total, rng) : rng.int(squared.length);
    setCentre(centres, c, x, drawn);
    for (let i = 0; i < squared.length; i++) squared[i] = Math.min(squared[i], distance(x, i, centres, c) ** 2);
  }
  return centres;
}

function drawProportional(weights: Float64Array, total: number, rng: Rng): number {
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}

/** Each point's distance to its nearest fixed centre (Infinity without any). */
function distanceToFixed(x: Packed, fixed: Packed): Float64Array {
  const nearest = new Float64Array(x.squaredNorms.length).fill(Infinity);
  for (let i = 0; i < nearest.length; i++) for (let j = 0; j < fixed.squaredNorms.length; j++) nearest[i] = Math.min(nearest[i], distance(x, i, fixed, j));
  return nearest;
}

/**
 * Splits `candidates` (rows of `points`) into up to `k` free clusters, the rows `fixed` acting as centres
 * that never move. Without fixed centres this is plain k-means.
 */
export function kMeans(points: Points, candidates: ArrayLike<number>, fixed: ArrayLike<number>, k: number, rng: Rng, options: KMeansOptions = {}): Clustering {
  const { iterations = 10, minClusterSize = 1 } = options;
  const x = pack(points, candidates);
  const n = candidates.length;
  const clusters = Math.min(k, n);
  const fixedCentres = pack(points, fixed);
  const toFixed = distanceToFixed(x, fixedCentres);
  const centres = plusPlus(x, clusters, toFixed, rng);
  const assignment = new Int32Array(n);
  // Hamerly's bounds: `upper` ≥ distance to the own centre (fixed or free), `lower` ≤ distance to every other.
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const scan = (i: number) => {
    // Plain variables, not destructuring: this loop runs pool × clusters times.
    let owner = -1;
    let best = toFixed[i];
    let second = Infinity;
    for (let c = 0; c < clusters; c++) {
      const d = distance(x, i, centres, c);
      if (d < best) {
        second = best;
        best = d;
        owner = c;
      } else if (d < second) second = d;
    }
    assignment[i] = owner;
    upper[i] = best;
    lower[i] = second;
  };
  for (let i = 0; i < n; i++) scan(i);
  const sizes = new Int32Array(clusters);
  const countSizes = () => {
    sizes.fill(0);
    for (let i = 0; i < n; i++) if (assignment[i] >= 0) sizes[assignment[i]]++;
  };
  countSizes();
  for (let iteration = 0; iteration < iterations; iteration++) {
    const moved = moveToMeans(x, assignment, sizes, centres);
    restartSmallClusters(x, assignment, sizes, centres, moved, minClusterSize, rng);
    const largestMove = Math.max(0, ...moved);
    if (largestMove === 0) break;
    const halfGap = halfDistanceToNearestCentre(centres, fixedCentres);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const own = assignment[i];
      if (own >= 0) upper[i] += moved[own];
      lower[i] -= largestMove;
      const bound = Math.max(lower[i], own >= 0 ? halfGap[own] : 0);
      if (upper[i] <= bound) continue;
      if (own >= 0) upper[i] = distance(x, i, centres, own);
      if (upper[i] <= bound) continue;
      scan(i);
      if (assignment[i] !== own) changed++;
    }
    countSizes();
    if (changed === 0) break;
  }
  return { assignment, sizes };
}

/** Moves each free centre to its members' mean; returns how far each moved. */
function moveToMeans(x: Packed, assignment: Int32Array, sizes: Int32Array, centres: Packed): Float64Array {
  const { dim } = x;
  const sums = new Float64Array(sizes.length * dim);
  for (let i = 0; i < assignment.length; i++) {
    if (assignment[i] < 0) continue;
    for (let k = 0; k < dim; k++) sums[assignment[i] * dim + k] += x.data[i * dim + k];
  }
  const moved = new Float64Array(sizes.length);
  const previous = Float32Array.from(centres.data);
  for (let c = 0; c < sizes.length; c++) {
    if (sizes[c] === 0) continue;
    for (let k = 0; k < dim; k++) centres.data[c * dim + k] = sums[c * dim + k] / sizes[c];
    centres.squaredNorms[c] = squaredNormOf(centres, c);
    moved[c] = displacement(previous.subarray(c * dim, (c + 1) * dim), centres, c);
  }
  return moved;
}

/**
 * How far centre c now is from `previous`, summed coordinate by coordinate: the norm form of `distance`
 * loses small moves to rounding, and the bounds need every move at its full length.
 */
function displacement(previous: Float32Array, centres: Packed, c: number): number {
  let sum = 0;
  for (let k = 0; k < centres.dim; k++) sum += (previous[k] - centres.data[c * centres.dim + k]) ** 2;
  return Math.sqrt(sum);
}

/** Half the distance from each free centre to its nearest other centre, fixed ones too: a point nearer its centre than this stays. */
function halfDistanceToNearestCentre(centres: Packed, fixed: Packed): Float64Array {
  const k = centres.squaredNorms.length;
  const half = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let f = 0; f < fixed.squaredNorms.length; f++) half[a] = Math.min(half[a], distance(centres, a, fixed, f) / 2);
    for (let b = a + 1; b < k; b++) {
      const d = distance(centres, a, centres, b) / 2;
      half[a] = Math.min(half[a], d);
      half[b] = Math.min(half[b], d);
    }
  }
  return half;
}

/** Moves the centre of each cluster smaller than minClusterSize onto a random member of the largest cluster. */
function restartSmallClusters(x: Packed, assignment: Int32Array, sizes: Int32Array, centres: Packed, moved: Float64Array, minClusterSize: number, rng: Rng): void {
  for (let c = 0; c < sizes.length; c++) {
    if (sizes[c] >= minClusterSize) continue;
    let largest = 0;
    for (let other = 1; other < sizes.length; other++) if (sizes[other] > sizes[largest]) largest = other;
    if (sizes[largest] < 2 * minClusterSize) return;
    const members: number[] = [];
    for (let i = 0; i < assignment.length; i++) if (assignment[i] === largest) members.push(i);
    const previous = centres.data.slice(c * x.dim, (c + 1) * x.dim);
    setCentre(centres, c, x, members[rng.int(members.length)]);
    moved[c] += displacement(previous, centres, c);
    // Counted as split from now on, so one large cluster is not split again and again in one pass.
    sizes[c] = Math.floor(sizes[largest] / 2);
    sizes[largest] -= sizes[c];
  }
}
