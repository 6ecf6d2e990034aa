import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEmbeddingMatrix } from '../../../src/main/engine/labels/embedding-matrix';
import { suggestLabels } from '../../../src/main/engine/labels/suggestions';
import { Rng } from '../../../src/main/engine/ml/rng';
import { storeWithImages } from '../../helpers/store';

const dim = 8;
/** Clusters around axes 0, 1, 2 with spreads 0.05, 0.15 and 0.3, 20 images each (ids 1–60); ids 61, 62 are lone outliers. */
const clusterOf = (imageId: number) => (imageId <= 60 ? Math.floor((imageId - 1) / 20) : -1);

function clusteredProject() {
  const store = storeWithImages(62);
  const rng = new Rng(7);
  const spreads = [0.05, 0.15, 0.3];
  const vectors = Array.from({ length: 62 }, (_, i) => {
    const v = new Float32Array(dim);
    const cluster = clusterOf(i + 1);
    if (cluster < 0) v[i === 60 ? 3 : 4] = 1;
    else {
      v[cluster] = 1;
      for (let k = 0; k < dim; k++) v[k] += spreads[cluster] * rng.normal();
    }
    return { imageId: i + 1, vector: v };
  });
  store.outputs.saveEmbeddings(vectors);
  return store;
}

test('before a classifier, three suggestions cover the three clusters, the loose one too, and skip the outliers', () => {
  const store = clusteredProject();
  const plan = suggestLabels(store, loadEmbeddingMatrix(store), 3);
  assert.equal(plan.strategy, 'diversity');
  assert.deepEqual(plan.suggestions.map((s) => clusterOf(s.imageId)).sort(), [0, 1, 2]);
  assert.ok(plan.suggestions.every((s) => s.reason === 'diverse' && s.score > 0 && s.score <= 1));
});

/** A project whose images' h are the given vectors, image id = index + 1. */
function projectWith(vectors: Float32Array[]) {
  const store = storeWithImages(vectors.length);
  store.outputs.saveEmbeddings(vectors.map((vector, i) => ({ imageId: i + 1, vector })));
  return store;
}

/** `count` vectors around the unit vector on `axis`, each coordinate jittered by spread × N(0, 1). */
function around(axis: number, spread: number, count: number, rng: Rng): Float32Array[] {
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dim);
    v[axis] = 1;
    for (let k = 0; k < dim; k++) v[k] += spread * rng.normal();
    return v;
  });
}

test('each region is represented by its most typical image: a pick comes from the dense core, not the fringe', () => {
  const rng = new Rng(3);
  // Ids 1–12: a tight core around axis 0; ids 13–20: a loose fringe around the same axis.
  const store = projectWith([...around(0, 0.02, 12, rng), ...around(0, 0.3, 8, rng)]);
  const [pick] = suggestLabels(store, loadEmbeddingMatrix(store), 1).suggestions;
  assert.ok(pick.imageId <= 12, `picked ${pick.imageId}`);
  // Its ten nearest are core images: half their squared distance, 7 cross-axis coordinates × 2 · 0.02², leaves cosine ≈ 0.997.
  assert.ok(pick.score > 0.99 && pick.score <= 1, String(pick.score));
});

test('the largest region comes first: three clusters of 10, 30 and 20 images are suggested largest to smallest', () => {
  const rng = new Rng(5);
  // Ids 1–10 around axis 0, 11–40 around axis 1, 41–60 around axis 2.
  const store = projectWith([...around(0, 0.1, 10, rng), ...around(1, 0.1, 30, rng), ...around(2, 0.1, 20, rng)]);
  const axisOf = (id: number) => (id <= 10 ? 0 : id <= 40 ? 1 : 2);
  const plan = suggestLabels(store, loadEmbeddingMatrix(store), 3);
  assert.deepEqual(plan.suggestions.map((s) => axisOf(s.imageId)), [1, 2, 0]);
});

test('with twice as many picks as equal clusters, every cluster gets one to three of them', () => {
  // Six random images out of three clusters of 20 miss one cluster about one time in four.
  for (const seed of [1, 2, 3, 4, 5]) {
    const rng = new Rng(seed);
    const store = projectWith([0, 1, 2].flatMap((axis) => around(axis, 0.1, 20, rng)));
    const picks = suggestLabels(store, loadEmbeddingMatrix(store), 6, { seed }).suggestions.map((s) => Math.floor((s.imageId - 1) / 20));
    const perCluster = [0, 1, 2].map((c) => picks.filter((p) => p === c).length);
    assert.ok(perCluster.every((n) => n >= 1 && n <= 3), `seed ${seed}: ${perCluster}`);
  }
});

test('suggestions never include labelled images and return the count asked for', () => {
  const store = clusteredProject();
  const cat = store.labels.createClass('cat');
  const labelled = Array.from({ length: 20 }, (_, i) => i + 1).concat([21, 22, 23]);
  store.labels.set(labelled, cat.id);
  const matrix = loadEmbeddingMatrix(store);
  for (const count of [1, 2, 10, 39]) {
    const ids = suggestLabels(store, matrix, count).suggestions.map((s) => s.imageId);
    assert.equal(ids.length, count);
    assert.equal(new Set(ids).size, count);
    assert.ok(ids.every((id) => !labelled.includes(id)), `count ${count}: ${ids}`);
  }
  assert.equal(suggestLabels(store, matrix, 1000).suggestions.length, 62 - labelled.length);
});

test('with one cluster labelled, two suggestions go to the two clusters without labels', () => {
  const store = clusteredProject();
  const cat = store.labels.createClass('cat');
  store.labels.set(Array.from({ length: 20 }, (_, i) => i + 1), cat.id);
  const plan = suggestLabels(store, loadEmbeddingMatrix(store), 2);
  assert.deepEqual(plan.suggestions.map((s) => clusterOf(s.imageId)).sort(), [1, 2]);
});

test('with predictions, the suggestions come from the least confident unlabelled images', () => {
  const store = clusteredProject();
  const cat = store.labels.createClass('cat');
  store.labels.set([1, 2], cat.id);
  // Confidence rises with the id, so the least confident are the lowest ids; images 1–2 are labelled.
  store.outputs.savePredictions(Array.from({ length: 62 }, (_, i) => ({ imageId: i + 1, classId: cat.id, confidence: 0.3 + i / 100 })));
  const plan = suggestLabels(store, loadEmbeddingMatrix(store), 2);
  assert.equal(plan.strategy, 'uncertainty+diversity');
  const ids = plan.suggestions.map((s) => s.imageId);
  // Candidates are the 2 × 5 least confident unlabelled images, ids 3–12, all in cluster 0.
  assert.ok(ids.every((id) => id >= 3 && id <= 12), String(ids));
  assert.ok(plan.suggestions.every((s) => s.reason === 'uncertain'));
  const scores = plan.suggestions.map((s) => s.score);
  scores.forEach((score, i) => assert.ok(Math.abs(score - (1 - (0.3 + (ids[i] - 1) / 100))) < 1e-9));
});

test('images imported after the last fine-tune, without a prediction, fill the list by diversity', () => {
  const store = clusteredProject();
  const cat = store.labels.createClass('cat');
  store.labels.set([1], cat.id);
  store.outputs.savePredictions([{ imageId: 2, classId: cat.id, confidence: 0.5 }]);
  const plan = suggestLabels(store, loadEmbeddingMatrix(store), 3);
  assert.deepEqual(plan.suggestions.map((s) => s.reason), ['uncertain', 'diverse', 'diverse']);
  assert.equal(plan.suggestions[0].imageId, 2);
  assert.deepEqual(plan.suggestions.slice(1).map((s) => clusterOf(s.imageId)).sort(), [1, 2]);
});
