/**
 * Every image's representation h packed into one Float32Array of unit-length rows, so cosine similarity is a
 * plain dot product and a scan over 100k × 256 allocates nothing per image.
 */
import { StudioError } from '../../../shared/contract';
import type { ProjectStore } from '../store/project-store';

export interface EmbeddingMatrix {
  /** Image id of each row. */
  imageIds: Int32Array;
  /** Row of each image id. */
  rowOf: Map<number, number>;
  dim: number;
  /** rows × dim, each row L2-normalised. */
  data: Float32Array;
}

export function loadEmbeddingMatrix(store: ProjectStore): EmbeddingMatrix {
  const rows = store.count('embeddings');
  if (rows === 0) throw new StudioError('There are no embeddings yet; compute the map first (Map → Compute, or `simclr-studio embed`)');
  const imageIds = new Int32Array(rows);
  const rowOf = new Map<number, number>();
  let data = new Float32Array(0);
  let dim = 0;
  let row = 0;
  for (const { imageId, vector } of store.outputs.embeddingBytes()) {
    if (row === rows) break; // the embed job may be adding rows while this reads
    if (dim === 0) {
      dim = vector.byteLength / 4;
      data = new Float32Array(rows * dim);
    }
    // Copied byte-wise: a SQLite blob's Buffer need not be 4-byte aligned for a Float32Array view.
    new Uint8Array(data.buffer, row * dim * 4, dim * 4).set(vector.subarray(0, dim * 4));
    normaliseRow(data, row, dim);
    imageIds[row] = imageId;
    rowOf.set(imageId, row);
    row++;
  }
  return { imageIds: imageIds.subarray(0, row), rowOf, dim, data: data.subarray(0, row * dim) };
}

/** Rows are unit length, so this is their cosine similarity. */
export function dot(data: Float32Array, a: number, b: number, dim: number): number {
  let sum = 0;
  const offsetA = a * dim;
  const offsetB = b * dim;
  for (let k = 0; k < dim; k++) sum += data[offsetA + k] * data[offsetB + k];
  return sum;
}

function normaliseRow(data: Float32Array, row: number, dim: number): void {
  let norm = 0;
  for (let k = row * dim; k < (row + 1) * dim; k++) norm += data[k] * data[k];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let k = row * dim; k < (row + 1) * dim; k++) data[k] *= scale;
}
