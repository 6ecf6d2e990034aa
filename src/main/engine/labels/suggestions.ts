/**
 * "Label these next". Before a classifier exists the picks are diverse and representative: greedy k-center
 * over the embeddings, seeded with the images already labelled, splits the unlabelled images into regions
 * that no label covers yet, and each region is then represented by its most typical image (its densest
 * point, a medoid-like choice). Plain k-center returns the farthest points, which are mostly outliers (odd
 * crops, blank frames) and teach a classifier little at a 1 % budget; "Active learning on a budget" (Hacohen
 * et al., 2022) shows typical examples are what helps at such budgets. The least typical fifth is left out
 * first so an outlier cannot become a region of its own; filtering by a global density threshold instead
 * would drop whole classes that are merely more varied than others.
 * Once predictions exist, the least confident images are the candidates and k-center spreads the picks
 * among them, so one confusing cluster does not fill the list.
 */
import type { ProjectStore } from '../store/project-store';
import { Rng } from '../ml/rng';
import type { EmbeddingMatrix } from './embedding-matrix';
import { kCenterGreedy } from './k-center';
import { localDensity } from './similarity';

export interface SuggestedImage {
  imageId: number;
  reason: 'diverse' | 'uncertain';
  /** diverse: typicality, the mean cosine similarity to its nearest unlabelled images; uncertain: 1 − confidence. */
  score: number;
}

export interface SuggestionPlan {
  strategy: 'diversity' | 'uncertainty+diversity';
  suggestions: SuggestedImage[];
}

export interface SuggestOptions {
  /** Draws the pools below when the project is larger than they are. */
  seed?: number;
  /** Unlabelled images considered for diversity; bounds the O(pool²) typicality. */
  poolSize?: number;
  /** Labelled images used as k-center seeds; bounds the O(pool × seeds) distances. */
  seedLimit?: number;
  /** Uncertain candidates per suggestion. */
  uncertainPerPick?: number;
  /** Neighbours that define an image's typicality. */
  densityNeighbours?: number;
  /** The least typical fraction of the pool, left out as outliers. */
  outlierFraction?: number;
}

const defaults: Required<SuggestOptions> = {
  seed: 1,
  poolSize: 2000,
  seedLimit: 2000,
  uncertainPerPick: 5,
  densityNeighbours: 10,
  outlierFraction: 0.2,
};

function sample(rows: number[], limit: number, rng: Rng): number[] {
  return rows.length <= limit ? rows : rng.shuffle([...rows]).slice(0, limit);
}

function diversePicks(matrix: EmbeddingMatrix, unlabelled: number[], seeds: number[], count: number, options: Required<SuggestOptions>, rng: Rng): SuggestedImage[] {
  const pool = sample(unlabelled, options.poolSize, rng);
  const density = localDensity(matrix, pool, options.densityNeighbours);
  const kept = pool
    .map((row, i) => ({ row, density: density[i] }))
    .sort((a, b) => b.density - a.density || a.row - b.row)
    .slice(0, Math.max(count, Math.ceil(pool.length * (1 - options.outlierFraction))));
  const { picks, owner } = kCenterGreedy(matrix, kept.map((c) => c.row), seeds, count);
  // Each region's most typical member stands for it; `kept` is densest first, so the first owned one wins.
  // Every pick owns at least itself, so each region gets one.
  const representative: typeof kept = new Array(picks.length);
  kept.forEach((candidate, i) => {
    if (owner[i] >= 0 && representative[owner[i]] === undefined) representative[owner[i]] = candidate;
  });
  return representative.map((c) => ({ imageId: matrix.imageIds[c.row], reason: 'diverse' as const, score: c.density }));
}

function uncertainPicks(matrix: EmbeddingMatrix, unlabelled: number[], seeds: number[], count: number, confidences: Map<number, number>, perPick: number): SuggestedImage[] {
  const confidenceOf = (row: number) => confidences.get(matrix.imageIds[row]);
  const candidates = unlabelled
    .filter((row) => confidenceOf(row) !== undefined)
    .sort((a, b) => confidenceOf(a)! - confidenceOf(b)! || a - b)
    .slice(0, count * perPick);
  return kCenterGreedy(matrix, candidates, seeds, count).picks.map((pick) => ({
    imageId: matrix.imageIds[pick.row],
    reason: 'uncertain' as const,
    score: 1 - confidenceOf(pick.row)!,
  }));
}

/** Up to `count` unlabelled images (with embeddings) worth labelling next, best first. */
export function suggestLabels(store: ProjectStore, matrix: EmbeddingMatrix, count: number, options: SuggestOptions = {}): SuggestionPlan {
  const settings = { ...defaults, ...options };
  const rng = new Rng(settings.seed);
  const labelled = new Set(store.labelledImages().map((l) => l.imageId));
  const rows = Array.from(matrix.imageIds.keys());
  const unlabelled = rows.filter((row) => !labelled.has(matrix.imageIds[row]));
  const seeds = sample(rows.filter((row) => labelled.has(matrix.imageIds[row])), settings.seedLimit, rng);
  const confidences = store.predictionConfidences();
  if (confidences.size === 0) return { strategy: 'diversity', suggestions: diversePicks(matrix, unlabelled, seeds, count, settings, rng) };

  const uncertain = uncertainPicks(matrix, unlabelled, seeds, count, confidences, settings.uncertainPerPick);
  // Images imported after the last fine-tune have no prediction; diversity fills the list from them.
  const chosen = new Set(uncertain.map((s) => matrix.rowOf.get(s.imageId)!));
  const rest = unlabelled.filter((row) => !chosen.has(row));
  const fill = uncertain.length < count ? diversePicks(matrix, rest, [...seeds, ...chosen], count - uncertain.length, settings, rng) : [];
  return { strategy: 'uncertainty+diversity', suggestions: [...uncertain, ...fill] };
}
