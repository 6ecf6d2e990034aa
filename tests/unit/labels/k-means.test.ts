import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kMeans } from '../../../src/main/engine/labels/k-means';
import { Rng } from '../../../src/main/engine/ml/rng';

// Rows 0–4: a plus around (0,0); rows 5–9: a plus around (10,0); row 10: an outlier at (0,30).
const plusAt = (x: number, y: number) => [[x, y], [x + 1, y], [x, y + 1], [x - 1, y], [x, y - 1]];
const points = { data: Float32Array.from([...plusAt(0, 0), ...plusAt(10, 0), [0, 30]].flat()), dim: 2 };
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The clusters as sets of rows, sorted, so the test does not depend on how clusters are numbered. */
function groups(assignment: Int32Array, candidates: number[]): number[][] {
  const byCluster = new Map<number, number[]>();
  assignment.forEach((cluster, i) => byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), candidates[i]]));
  return [...byCluster.entries()].sort((a, b) => a[0] - b[0]).map(([, members]) => members).sort((a, b) => a[0] - b[0]);
}

test('two well-separated groups make two clusters, whatever the start', () => {
  const candidates = rows(0, 10);
  for (const seed of [1, 2, 3, 4, 5]) {
    const { assignment, sizes } = kMeans(points, candidates, [], 2, new Rng(seed));
    assert.deepEqual(groups(assignment, candidates), [rows(0, 5), rows(5, 10)], `seed ${seed}`);
    assert.deepEqual([...sizes], [5, 5]);
  }
});

test('a cluster of fewer than minClusterSize members restarts inside the largest, so the outlier does not keep a centre', () => {
  const candidates = rows(0, 11);
  // With seed 2 the k-means++ start puts a centre on the outlier (its squared distance, 900, dominates the draw).
  const plain = kMeans(points, candidates, [], 2, new Rng(2));
  assert.deepEqual(groups(plain.assignment, candidates), [rows(0, 10), [10]]);
  const restarted = kMeans(points, candidates, [], 2, new Rng(2), { minClusterSize: 2 });
  // The outlier is 30 from the first plus's mean and √1000 ≈ 31.6 from the second's, so it joins the first.
  assert.deepEqual(groups(restarted.assignment, candidates), [[...rows(0, 5), 10], rows(5, 10)]);
});

test('fixed centres keep their region: the free cluster settles on the group without one', () => {
  // Row 11, (0.5, 0.5), is the fixed centre (an image already labelled) inside the first plus.
  const withFixed = { data: Float32Array.from([...points.data, 0.5, 0.5]), dim: 2 };
  const candidates = rows(0, 10);
  for (const seed of [1, 2, 3]) {
    const { assignment, sizes } = kMeans(withFixed, candidates, [11], 1, new Rng(seed));
    assert.deepEqual([...assignment], [-1, -1, -1, -1, -1, 0, 0, 0, 0, 0], `seed ${seed}`);
    assert.deepEqual([...sizes], [5]);
  }
});

test('asking for more clusters than candidates gives each candidate its own', () => {
  const candidates = [0, 5, 10];
  const { assignment, sizes } = kMeans(points, candidates, [], 5, new Rng(1));
  assert.deepEqual([...assignment].sort(), [0, 1, 2]);
  assert.deepEqual([...sizes], [1, 1, 1]);
});
