/** "More like this" and typicality, both by cosine similarity of the stored representations h. */
import { dot, type EmbeddingMatrix } from './embedding-matrix';

export interface Neighbour {
  row: number;
  similarity: number;
}

/**
 * Keeps the `size` largest values seen, sorted descending, in two preallocated arrays: a brute-force scan
 * over 100k rows then allocates nothing per row.
 */
class TopK {
  readonly rows: Int32Array;
  readonly values: Float64Array;
  length = 0;

  constructor(readonly size: number) {
    this.rows = new Int32Array(size);
    this.values = new Float64Array(size);
  }

  offer(row: number, value: number): void {
    if (this.length === this.size && value <= this.values[this.size - 1]) return;
    let i = Math.min(this.length, this.size - 1);
    while (i > 0 && this.values[i - 1] < value) {
      this.values[i] = this.values[i - 1];
      this.rows[i] = this.rows[i - 1];
      i--;
    }
    this.values[i] = value;
    this.rows[i] = row;
    this.length = Math.min(this.length + 1, this.size);
  }

  mean(): number {
    let sum = 0;
    for (let i = 0; i < this.length; i++) sum += this.values[i];
    return this.length ? sum / this.length : 0;
  }
}

/** The `count` rows most similar to `row` (itself excluded), most similar first. */
export function nearestNeighbours(matrix: EmbeddingMatrix, row: number, count: number): Neighbour[] {
  const rows = matrix.imageIds.length;
  const top = new TopK(Math.max(1, Math.min(count, rows - 1)));
  for (let other = 0; other < rows; other++) if (other !== row) top.offer(other, dot(matrix.data, row, other, matrix.dim));
  return Array.from({ length: top.length }, (_, i) => ({ row: top.rows[i], similarity: top.values[i] }));
}

/**
 * Typicality of each of `rows` within that set: the mean cosine similarity to its k nearest others
 * (TypiClust's inverse mean kNN distance, in cosine form). High in dense regions, low for outliers.
 */
export function localDensity(matrix: EmbeddingMatrix, rows: ArrayLike<number>, k: number): Float64Array {
  const tops = Array.from(rows, () => new TopK(Math.max(1, Math.min(k, rows.length - 1))));
  // Each pair once: the similarity is symmetric.
  for (let a = 0; a < rows.length; a++) {
    for (let b = a + 1; b < rows.length; b++) {
      const similarity = dot(matrix.data, rows[a], rows[b], matrix.dim);
      tops[a].offer(b, similarity);
      tops[b].offer(a, similarity);
    }
  }
  return Float64Array.from(tops, (top) => top.mean());
}
