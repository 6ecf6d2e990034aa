import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/main/engine/engine';
import { loadEmbeddingMatrix } from '../../../src/main/engine/labels/embedding-matrix';
import { localDensity, nearestNeighbours } from '../../../src/main/engine/labels/similarity';
import { storeWithImages } from '../../helpers/store';

/** Image 1 is the query (1,0,0); the others at known cosine similarities to it. */
function projectWithVectors() {
  const store = storeWithImages(5);
  const vectors = [
    [1, 0, 0],
    [0.9, 0.1, 0], // cos = 0.9 / √0.82 ≈ 0.9939
    [0, 1, 0], // 0
    [-1, 0, 0], // −1
    [2, 2, 0], // 1/√2 ≈ 0.7071; not unit length, so the matrix must normalise it
  ];
  store.outputs.saveEmbeddings(vectors.map((v, i) => ({ imageId: i + 1, vector: Float32Array.from(v) })));
  return store;
}

test('nearest neighbours come most similar first, by cosine, without the image itself', () => {
  const matrix = loadEmbeddingMatrix(projectWithVectors());
  const found = nearestNeighbours(matrix, matrix.rowOf.get(1)!, 3);
  assert.deepEqual(found.map((n) => matrix.imageIds[n.row]), [2, 5, 3]);
  const expected = [0.9 / Math.sqrt(0.82), Math.SQRT1_2, 0];
  found.forEach((n, i) => assert.ok(Math.abs(n.similarity - expected[i]) < 1e-6, `${n.similarity} vs ${expected[i]}`));
  assert.deepEqual(nearestNeighbours(matrix, 0, 100).map((n) => matrix.imageIds[n.row]), [2, 5, 3, 4]);
});

test('typicality is the mean similarity to the k nearest others', () => {
  const matrix = loadEmbeddingMatrix(projectWithVectors());
  const density = localDensity(matrix, [0, 1, 3], 1);
  // Row 0's nearest of {1, 3} is 1 (0.9939); row 1's is 0; row 3's nearest is 1 (cos = −0.9939).
  const c = 0.9 / Math.sqrt(0.82);
  [c, c, -c].forEach((value, i) => assert.ok(Math.abs(density[i] - value) < 1e-6));
});

test('without embeddings the matrix says to compute the map first', () => {
  assert.throws(() => loadEmbeddingMatrix(storeWithImages(2)), /no embeddings yet; compute the map first/);
});

test('the engine answers similarImages with image items and suggestLabels only once embeddings exist', async () => {
  const store = projectWithVectors();
  const dir = store.layout.dir;
  store.close();
  const engine = new Engine();
  await engine.openProject({ dir });
  const similar = await engine.call('similarImages', { imageId: 1, count: 2 });
  assert.deepEqual(similar.map((s) => [s.image.id, s.image.path]), [[2, '/data/img2.png'], [5, '/data/img5.png']]);
  const { strategy, suggestions } = await engine.call('suggestLabels', { count: 2 });
  assert.equal(strategy, 'diversity');
  assert.equal(suggestions.length, 2);
  engine.close();

  const empty = new Engine();
  await empty.openProject({ dir: storeWithImages(1).layout.dir });
  await assert.rejects(empty.call('suggestLabels', {}), /compute the map first/);
  await assert.rejects(empty.call('similarImages', { imageId: 1 }), /compute the map first/);
  empty.close();
});
