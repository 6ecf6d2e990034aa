/**
 * Greedy k-center (Sener & Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set
 * Approach", 2018): each pick is the candidate farthest from everything already covered, so a few picks
 * spread over the whole set instead of piling up in its densest region.
 */

/** Points as rows of a flat array; distances are Euclidean (for unit rows, a monotone function of cosine). */
export interface Points {
  data: Float32Array;
  dim: number;
}

export interface Pick {
  row: number;
  /** Distance from the pick to the nearest seed or earlier pick; Infinity for a first pick without seeds. */
  distance: number;
}

function squaredDistance(points: Points, a: number, b: number): number {
  const { data, dim } = points;
  let sum = 0;
  for (let k = 0; k < dim; k++) {
    const d = data[a * dim + k] - data[b * dim + k];
    sum += d * d;
  }
  return sum;
}

/** The candidate nearest the candidates' mean: a central start when nothing is covered yet. */
function mostCentral(points: Points, candidates: ArrayLike<number>): number {
  const { data, dim } = points;
  const mean = new Float64Array(dim);
  for (let i = 0; i < candidates.length; i++) for (let k = 0; k < dim; k++) mean[k] += data[candidates[i] * dim + k] / candidates.length;
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < candidates.length; i++) {
    let sum = 0;
    for (let k = 0; k < dim; k++) sum += (data[candidates[i] * dim + k] - mean[k]) ** 2;
    if (sum < bestDistance) [best, bestDistance] = [i, sum];
  }
  return best;
}

export interface Cover {
  picks: Pick[];
  /** For each candidate, the index in `picks` of its nearest pick, or -1 where a seed is nearer. */
  owner: Int32Array;
}

/**
 * Picks up to `count` of `candidates` (row numbers), each the farthest from the seeds and the earlier picks.
 * Without seeds the first pick is the most central candidate, so the result does not hang on an outlier.
 */
export function kCenterGreedy(points: Points, candidates: ArrayLike<number>, seeds: ArrayLike<number>, count: number): Cover {
  const nearest = new Float64Array(candidates.length).fill(Infinity);
  const owner = new Int32Array(candidates.length).fill(-1);
  const cover = (center: number, pickIndex: number) => {
    for (let i = 0; i < candidates.length; i++) {
      if (nearest[i] === 0) continue;
      const distance = squaredDistance(points, candidates[i], center);
      if (distance < nearest[i]) [nearest[i], owner[i]] = [distance, pickIndex];
    }
  };
  for (let s = 0; s < seeds.length; s++) cover(seeds[s], -1);
  const picks: Pick[] = [];
  const taken = new Uint8Array(candidates.length);
  while (picks.length < Math.min(count, candidates.length)) {
    let best = -1;
    if (seeds.length === 0 && picks.length === 0) best = mostCentral(points, candidates);
    else for (let i = 0; i < candidates.length; i++) if (!taken[i] && (best < 0 || nearest[i] > nearest[best])) best = i;
    taken[best] = 1;
    picks.push({ row: candidates[best], distance: Math.sqrt(nearest[best]) });
    cover(candidates[best], picks.length - 1);
  }
  return { picks, owner };
}
