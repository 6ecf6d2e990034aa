/**
 * UMAP's layout optimisation (umap-learn's optimize_layout_euclidean): stochastic gradient descent on the fuzzy
 * cross-entropy between the neighbour graph and the 2-D points. Each edge is pulled together as often as its
 * weight says, each pull followed by pushes from random points; the step size falls linearly to zero. With
 * `threads`, the edges are shared out between threads that update the same positions without locks (Hogwild,
 * as umap-learn's parallel mode does): a rare lost update moves one point by one step less.
 */
import type { FuzzyGraph } from './fuzzy-graph';
import { startModuleThread } from '../threads';

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
  /** Threads to share the edges between; 1 runs in this thread. */
  threads?: number;
  signal?: AbortSignal;
  /** Called every few epochs with the share done; may be async, to let a cancel in. */
  onEpochs?: (fraction: number) => Promise<void> | void;
}

/** One thread's share of the work: its edges with their sampling schedules, over the shared positions. */
export interface EdgeShare {
  heads: Int32Array;
  tails: Int32Array;
  epochsPerSample: Float64Array;
  count: number;
  epochs: number;
  negativeSamples: number;
  movable: Uint8Array | null;
  seed: number;
}

const clipGradient = (g: number) => (g > 4 ? 4 : g < -4 ? -4 : g);

/** The edges worth sampling: those at least 1/epochs as strong as the strongest, as umap-learn keeps. */
function sampledEdges(graph: FuzzyGraph, epochs: number): { heads: Int32Array; tails: Int32Array; epochsPerSample: Float64Array } {
  let maxWeight = 0;
  for (const w of graph.weights) maxWeight = Math.max(maxWeight, w);
  const kept: number[] = [];
  for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e] >= maxWeight / epochs) kept.push(e);
  return {
    heads: Int32Array.from(kept, (e) => graph.heads[e]),
    tails: Int32Array.from(kept, (e) => graph.tails[e]),
    epochsPerSample: Float64Array.from(kept, (e) => maxWeight / graph.weights[e]),
  };
}

/**
 * Runs epochs [from, to) of one share's schedule on the positions. `state` carries each edge's next sample and
 * next push epoch and the random state between calls, so a share can be run a few epochs at a time.
 */
export function runEpochs(share: EdgeShare, positions: Float64Array, state: EpochState, from: number, to: number): void {
  const { heads, tails, epochsPerSample, count, epochs, negativeSamples, movable } = share;
  const { nextSample, nextNegative } = state;
  const { a, b } = curve;
  let random = state.random;
  for (let epoch = from; epoch < to; epoch++) {
    const alpha = 1 - epoch / epochs;
    for (let s = 0; s < heads.length; s++) {
      if (nextSample[s] > epoch) continue;
      const j = heads[s];
      const k = tails[s];
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
      const perNegative = epochsPerSample[s] / negativeSamples;
      const pushes = Math.floor((epoch - nextNegative[s]) / perNegative);
      if (moveJ) {
        for (let p = 0; p < pushes; p++) {
          // xorshift32: the pushes are the hot loop's only randomness
          random ^= random << 13;
          random ^= random >>> 17;
          random ^= random << 5;
          const other = (random >>> 0) % count;
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
      nextNegative[s] += pushes * perNegative;
    }
  }
  state.random = random;
}

export interface EpochState {
  nextSample: Float64Array;
  nextNegative: Float64Array;
  random: number;
}

export const startingState = (share: EdgeShare): EpochState => ({
  nextSample: share.epochsPerSample.slice(),
  nextNegative: share.epochsPerSample.map((x) => x / share.negativeSamples),
  random: share.seed >>> 0 || 1,
});

export async function optimiseLayout(positions: Float64Array, graph: FuzzyGraph, options: OptimiseOptions): Promise<void> {
  const { epochs, negativeSamples = 5, movable } = options;
  const edges = sampledEdges(graph, epochs);
  const threads = Math.max(1, Math.min(options.threads ?? 1, edges.heads.length));
  const shareOf = (t: number): EdgeShare => {
    // Every t-th edge, so each share holds as many strong and weak edges as the others.
    const pick = <T extends Int32Array | Float64Array>(values: T) => values.filter((_, e) => e % threads === t) as T;
    return { heads: pick(edges.heads), tails: pick(edges.tails), epochsPerSample: pick(edges.epochsPerSample), count: graph.count, epochs, negativeSamples, movable: movable ?? null, seed: options.seed + t };
  };
  if (threads === 1) {
    const share = shareOf(0);
    const state = startingState(share);
    const step = Math.max(1, Math.round(epochs / 50));
    for (let epoch = 0; epoch < epochs; epoch += step) {
      options.signal?.throwIfAborted();
      runEpochs(share, positions, state, epoch, Math.min(epochs, epoch + step));
      await options.onEpochs?.(Math.min(epochs, epoch + step) / epochs);
    }
    return;
  }
  await optimiseInThreads(positions, Array.from({ length: threads }, (_, t) => shareOf(t)), options);
}

/** Each share in its own thread over positions they all hold; the control words say stop, and epochs done. */
async function optimiseInThreads(positions: Float64Array, shares: EdgeShare[], options: OptimiseOptions): Promise<void> {
  const shared = new Float64Array(new SharedArrayBuffer(positions.byteLength));
  shared.set(positions);
  const control = new Int32Array(new SharedArrayBuffer(4 * (1 + shares.length)));
  const workers = shares.map((share, t) =>
    startModuleThread(new URL('./layout-thread.ts', import.meta.url), new URL('./layout-thread.js', import.meta.url), {
      workerData: { share, positions: shared, control, index: t + 1 },
    }),
  );
  const finished = Promise.all(
    workers.map((worker) => new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a layout thread stopped with code ${code}`))));
    })),
  );
  let done = false;
  void finished.finally(() => (done = true)).catch(() => {});
  try {
    while (!done) {
      if (options.signal?.aborted) Atomics.store(control, 0, 1);
      const least = Math.min(...shares.map((_, t) => Atomics.load(control, t + 1)));
      await options.onEpochs?.(least / options.epochs);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await finished;
  } finally {
    Atomics.store(control, 0, 1);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  options.signal?.throwIfAborted();
  positions.set(shared);
}
