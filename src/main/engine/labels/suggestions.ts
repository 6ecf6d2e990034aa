/**
 * "Label these next". Before a classifier exists the picks follow TypiClust ("Active learning on a budget",
 * Hacohen et al., 2022): k-means splits the unlabelled images into as many regions as there are picks, the
 * labelled images acting as fixed centres so the regions fall where no label is yet, and each region is
 * represented by its most typical image (highest mean similarity to its nearest neighbours in the region).
 * At budgets of a few labels per class, typical images teach a classifier more than the outliers that
 * farthest-point (k-center) picks reach, and one pick per region spreads the labels over every class in
 * proportion to the room it takes in the embedding space instead of by chance.
 * Once predictions exist, the least confident images are the candidates and k-center spreads the picks
 * among them, so one confusing cluster does not fill the list.
 */
import type { ProjectStore } from '../store/project-store';
import { Rng } from '../ml/rng';
import type { EmbeddingMatrix } from './embedding-matrix';
import { kCenterGreedy } from './k-center';
import { kMeans } from './k-means';
import { localDensity } from './similarity';

export interface SuggestedImage {
  imageId: number;
  reason: 'diverse' | 'uncertain';
  /** diverse: typicality, the mean cosine similarity to its nearest neighbours in its region; uncertain: 1 − confidence. */
  score: number;
}

export interface SuggestionPlan {
  strategy: 'diversity' | 'uncertainty+diversity';
  suggestions: SuggestedImage[];
}

export interface SuggestOptions {
  /** Draws the pools and the k-means start. */
  seed?: number;
  /** Unlabelled images clustered for diversity, at most. */
  poolSize?: number;
  /**
   * Multiply-adds one k-means pass may take (pool × picks × dimensions): many picks over wide embeddings
   * cluster a smaller pool, so a suggestion stays within seconds.
   */
  clusteringWork?: number;
  /** Labelled images used as fixed centres; bounds the O(pool × seeds) distances. */
  seedLimit?: number;
  /** Uncertain candidates per suggestion. */
  uncertainPerPick?: number;
  /** Neighbours that define an image's typicality (TypiClust's 20), at most half its region. */
  densityNeighbours?: number;
  /** Members of a region whose typicality is measured; bounds the O(members²) typicality. */
  typicalityPool?: number;
  /** Regions smaller than this are outliers: k-means moves their centre into the largest region instead. */
  minRegionSize?: number;
}

const defaults: Required<SuggestOptions> = {
  seed: 1,
  poolSize: 20000,
  clusteringWork: 1e9,
  seedLimit: 2000,
  uncertainPerPick: 5,
  densityNeighbours: 20,
  typicalityPool: 1000,
  minRegionSize: 5,
};

function sample(rows: number[], limit: number, rng: Rng): number[] {
  return rows.length <= limit ? rows : rng.shuffle([...rows]).slice(0, limit);
}

/** A region's members, most typical first. */
function byTypicality(matrix: EmbeddingMatrix, members: number[], options: Required<SuggestOptions>, rng: Rng): { row: number; typicality: number }[] {
  const measured = sample(members, options.typicalityPool, rng);
  const density = localDensity(matrix, measured, Math.max(1, Math.min(options.densityNeighbours, Math.floor(measured.length / 2))));
  return measured.map((row, i) => ({ row, typicality: density[i] })).sort((a, b) => b.typicality - a.typicality || a.row - b.row);
}

function diversePicks(matrix: EmbeddingMatrix, unlabelled: number[], seeds: number[], count: number, options: Required<SuggestOptions>, rng: Rng): SuggestedImage[] {
  const affordable = Math.floor(options.clusteringWork / (count * matrix.dim));
  const pool = sample(unlabelled, Math.min(options.poolSize, Math.max(affordable, 2 * options.minRegionSize * count)), rng);
  // A small pool cannot give every region minRegionSize members; half its share is the most to ask.
  const minClusterSize = Math.max(1, Math.min(options.minRegionSize, Math.floor(pool.length / count / 2)));
  const { assignment, sizes } = kMeans(matrix, pool, seeds, count, rng, { minClusterSize });
  const members: number[][] = Array.from(sizes, () => []);
  assignment.forEach((region, i) => {
    if (region >= 0) members[region].push(pool[i]);
  });
  // Larger regions first (best first in the list); regions are visited in turn while picks remain.
  const order = [...members.keys()].filter((r) => sizes[r] > 0).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const ranked = order.map((region) => byTypicality(matrix, members[region], options, rng));
  const picks: SuggestedImage[] = [];
  for (let round = 0; picks.length < count && ranked.some((r) => r.length > round); round++) {
    for (const candidates of ranked) {
      if (picks.length === count) break;
      const c = candidates[round];
      if (c) picks.push({ imageId: matrix.imageIds[c.row], reason: 'diverse', score: c.typicality });
    }
  }
  return picks;
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
  const labelled = new Set(store.labels.labelled().map((l) => l.imageId));
  const rows = Array.from(matrix.imageIds.keys());
  const unlabelled = rows.filter((row) => !labelled.has(matrix.imageIds[row]));
  const seeds = sample(rows.filter((row) => labelled.has(matrix.imageIds[row])), settings.seedLimit, rng);
  const confidences = store.outputs.predictionConfidences();
  if (confidences.size === 0) return { strategy: 'diversity', suggestions: diversePicks(matrix, unlabelled, seeds, count, settings, rng) };

  const uncertain = uncertainPicks(matrix, unlabelled, seeds, count, confidences, settings.uncertainPerPick);
  // Images imported after the last fine-tune have no prediction; diversity fills the list from them.
  const chosen = new Set(uncertain.map((s) => matrix.rowOf.get(s.imageId)!));
  const rest = unlabelled.filter((row) => !chosen.has(row));
  const fill = uncertain.length < count ? diversePicks(matrix, rest, [...seeds, ...chosen], count - uncertain.length, settings, rng) : [];
  return { strategy: 'uncertainty+diversity', suggestions: [...uncertain, ...fill] };
}
