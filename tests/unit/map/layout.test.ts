import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { Rng } from '../../../src/main/engine/ml/rng';
import { fuzzyGraph, smoothDistances } from '../../../src/main/engine/map/fuzzy-graph';
import { exactUpTo, nearestNeighbours } from '../../../src/main/engine/map/neighbours';
import { optimiseLayout } from '../../../src/main/engine/map/optimise-layout';
import { principalComponents } from '../../../src/main/engine/map/principal-components';
import { layoutMap } from '../../../src/main/engine/map/layout';
import { placeIntoMap } from '../../../src/main/engine/map/place';

await initBackend('wasm');

/** `count` points around `groups` random centres in `dim` dimensions; point i belongs to group i % groups. */
function clustered(count: number, dim: number, groups: number, spread: number, seed = 3): Float32Array[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: groups }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  return Array.from({ length: count }, (_, i) => Float32Array.from(centres[i % groups], (x) => x + spread * rng.normal()));
}

const flat = (vectors: Float32Array[]) => {
  const rows = new Float32Array(vectors.length * vectors[0].length);
  vectors.forEach((v, i) => rows.set(v, i * v.length));
  return rows;
};

/** The k most cosine-similar other points of point i, by plain loops. */
function bruteForce(vectors: Float32Array[], i: number, k: number): number[] {
  const cos = (a: Float32Array, b: Float32Array) => {
    let [dot, na, nb] = [0, 0, 0];
    for (let t = 0; t < a.length; t++) [dot, na, nb] = [dot + a[t] * b[t], na + a[t] ** 2, nb + b[t] ** 2];
    return dot / Math.sqrt(na * nb);
  };
  return vectors
    .map((v, j) => [cos(vectors[i], v), j])
    .filter(([, j]) => j !== i)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, j]) => j);
}

test('σ makes the memberships of a point sum to log2 k (hand-solved: x + x² + x³ = 1 for spacings of 0.1)', () => {
  // Distances 0.1 … 0.4: ρ = 0.1, and with x = exp(−0.1/σ) the sum 1 + x + x² + x³ must be log2 4 = 2,
  // so x = 0.543689 (the real root of x³ + x² + x − 1), σ = −0.1 / ln x = 0.164101.
  const { rho, sigma } = smoothDistances([0.1, 0.2, 0.3, 0.4]);
  assert.equal(rho, 0.1);
  assert.ok(Math.abs(sigma - 0.164101) < 1e-4, `σ ${sigma}`);
});

test('the fuzzy graph joins both directions of an edge as a + b − ab, and keeps one-way edges at their weight', () => {
  // k = 1: every point's single neighbour has membership 1 (its distance is ρ). 0 ↔ 1 both ways, 2 → 1 one way.
  const graph = fuzzyGraph({ k: 1, indices: Int32Array.from([1, 0, 1]), distances: Float32Array.from([0.5, 0.5, 0.2]) });
  const edges = Array.from(graph.heads, (h, e) => `${h}-${graph.tails[e]}:${graph.weights[e]}`).sort();
  assert.deepEqual(edges, ['0-1:1', '1-0:1', '1-2:1', '2-1:1']);
});

test('neighbours are exact for a small set, nearest first, never the point itself', async () => {
  const vectors = clustered(300, 16, 5, 1.5);
  const graph = await nearestNeighbours(flat(vectors), 300, 16, 6);
  for (const i of [0, 17, 299]) {
    const row = Array.from(graph.indices.subarray(i * 6, i * 6 + 6));
    assert.deepEqual(row, bruteForce(vectors, i, 6), `point ${i}`);
    const d = Array.from(graph.distances.subarray(i * 6, i * 6 + 6));
    assert.deepEqual(d, [...d].sort((a, b) => a - b));
  }
});

test('beyond the exact size the clustered search finds at least 90 % of the true neighbours', async () => {
  const count = exactUpTo + 1000;
  const vectors = clustered(count, 32, 20, 1.2);
  const graph = await nearestNeighbours(flat(vectors), count, 32, 10, { seed: 1 });
  const rng = new Rng(9);
  let found = 0;
  const sampled = 40;
  for (let s = 0; s < sampled; s++) {
    const i = rng.int(count);
    const truth = new Set(bruteForce(vectors, i, 10));
    for (let p = 0; p < 10; p++) found += truth.has(graph.indices[i * 10 + p]) ? 1 : 0;
  }
  assert.ok(found / (sampled * 10) >= 0.9, `recall ${found / (sampled * 10)}`);
});

test('the first principal component of points on a line is the distance along it (hand-computed: ±√5, 0, ±√5)', () => {
  const rows = tf.tensor2d([[1, 2], [2, 4], [3, 6]]);
  const projected = principalComponents(rows, 1, 1);
  const values = Array.from(projected.dataSync(), Math.abs);
  tf.dispose([rows, projected]);
  values.forEach((v, i) => assert.ok(Math.abs(v - [Math.sqrt(5), 0, Math.sqrt(5)][i]) < 1e-4, `${values}`));
});

test('optimisation pulls each group together and moves only the points allowed to move', async () => {
  // Two cliques of 5 points, started interleaved on a line.
  const heads: number[] = [];
  const tails: number[] = [];
  for (const group of [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]) {
    for (const a of group) {
      for (const b of group.filter((other) => other !== a)) {
        heads.push(a);
        tails.push(b);
      }
    }
  }
  const graph = { heads: Int32Array.from(heads), tails: Int32Array.from(tails), weights: new Float32Array(heads.length).fill(1), count: 10 };
  const positions = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 : 0));
  await optimiseLayout(positions, graph, { epochs: 200, seed: 1 });
  const at = (i: number) => [positions[2 * i], positions[2 * i + 1]];
  const distance = (i: number, j: number) => Math.hypot(at(i)[0] - at(j)[0], at(i)[1] - at(j)[1]);
  const within = Math.max(distance(0, 2), distance(4, 8), distance(1, 3), distance(5, 9));
  const between = Math.min(distance(0, 1), distance(2, 3), distance(8, 9), distance(4, 7));
  assert.ok(within < between, `within ${within}, between ${between}`);

  // Two threads sharing the edges over the same positions reach the same separation.
  const shared = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 : 0));
  await optimiseLayout(shared, graph, { epochs: 200, seed: 1, threads: 2 });
  const sharedDistance = (i: number, j: number) => Math.hypot(shared[2 * i] - shared[2 * j], shared[2 * i + 1] - shared[2 * j + 1]);
  assert.ok(Math.max(sharedDistance(0, 2), sharedDistance(1, 3)) < Math.min(sharedDistance(0, 1), sharedDistance(8, 9)), 'two threads separate the groups too');

  const fixed = positions.slice();
  const movable = new Uint8Array(10);
  movable[9] = 1;
  await optimiseLayout(positions, graph, { epochs: 50, seed: 2, movable });
  for (let i = 0; i < 18; i++) assert.equal(positions[i], fixed[i], 'points 0–8 stay put');
});

test('the map keeps groups apart: each point’s 5 nearest on the map are mostly of its own group', async () => {
  const vectors = clustered(900, 24, 3, 1.0);
  const positions = await layoutMap(vectors, { neighbors: 10, seed: 1 });
  assert.equal(positions.length, 900);
  for (const [x, y] of positions) assert.ok(x >= 0 && x <= 1 && y >= 0 && y <= 1);
  let right = 0;
  for (let i = 0; i < 900; i += 9) {
    const near = positions
      .map(([x, y], j) => [Math.hypot(x - positions[i][0], y - positions[i][1]), j])
      .filter(([, j]) => j !== i)
      .sort((a, b) => a[0] - b[0])
      .slice(0, 5);
    right += near.filter(([, j]) => j % 3 === i % 3).length / 5;
  }
  assert.ok(right / 100 > 0.95, `own-group share ${right / 100}`);
});

test('new points are placed among their own group, and the mapped points stay exactly where they were', async () => {
  const vectors = clustered(630, 24, 3, 1.0);
  const kept = await layoutMap(vectors.slice(0, 600), { neighbors: 10, seed: 1 });
  // The last 30 (10 of each group) are new.
  const places = vectors.map((_, i) => (i < 600 ? kept[i] : null));
  const placed = await placeIntoMap(vectors, places, { neighbors: 10, seed: 1 });
  for (let i = 0; i < 600; i++) assert.deepEqual(placed[i], kept[i]);
  let own = 0;
  for (let i = 600; i < 630; i++) {
    const nearest = kept
      .map(([x, y], j) => [Math.hypot(x - placed[i][0], y - placed[i][1]), j])
      .sort((a, b) => a[0] - b[0])
      .slice(0, 5);
    own += nearest.filter(([, j]) => j % 3 === i % 3).length / 5;
  }
  assert.ok(own / 30 > 0.9, `own-group share of the new points' mapped neighbours: ${own / 30}`);
});
