import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kCenterGreedy } from '../../../src/main/engine/labels/k-center';

// Rows: 0 (0,0), 1 (1,0), 2 (9,0), 3 (0,7), 4 (8,8), 5 (4,3). Their mean (11/3, 3) is nearest row 5.
const points = { data: Float32Array.from([0, 0, 1, 0, 9, 0, 0, 7, 8, 8, 4, 3]), dim: 2 };
const all = [0, 1, 2, 3, 4, 5];

test('k-center greedy starts at the most central point, then always takes the farthest from what it has', () => {
  // Squared distances to (4,3): 25, 18, 34, 32, 41 → (8,8). Then to {(4,3),(8,8)}: 25, 18, 34, 32 → (9,0).
  // Then 25, 18, 32 → (0,7). Then (0,0) is 5 from (0,7), (1,0) is √18 from (4,3) → (0,0).
  const { picks, owner } = kCenterGreedy(points, all, [], 5);
  assert.deepEqual(picks.map((p) => p.row), [5, 4, 2, 3, 0]);
  assert.deepEqual(picks.map((p) => p.distance), [Infinity, Math.sqrt(41), Math.sqrt(34), Math.sqrt(32), 5]);
  // (1,0) lies nearest (0,0), the fifth pick; every pick owns itself.
  assert.deepEqual([...owner], [4, 4, 2, 3, 1, 0]);
});

test('seeds count as covered: with (4,3) labelled the picks are (8,8) then (9,0), and a seed is never picked', () => {
  const { picks, owner } = kCenterGreedy(points, [0, 1, 2, 3, 4], [5], 2);
  assert.deepEqual(picks.map((p) => [p.row, p.distance]), [[4, Math.sqrt(41)], [2, Math.sqrt(34)]]);
  // (0,0), (1,0) and (0,7) stay nearer the seed than either pick.
  assert.deepEqual([...owner], [-1, -1, 1, -1, 0]);
});

test('asking for more than there are candidates returns each candidate once', () => {
  const { picks } = kCenterGreedy(points, [1, 3], [5], 10);
  assert.deepEqual(picks.map((p) => p.row).sort(), [1, 3]);
});
