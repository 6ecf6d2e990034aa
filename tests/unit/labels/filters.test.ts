import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageFilter, ImageSort } from '../../../src/shared/contract';
import { storeWithImages } from '../../helpers/store';

/** Six images: 1–2 labelled cat, 3 labelled dog; predictions with distinct confidences on 1–5, none on 6. */
function reviewedProject() {
  const store = storeWithImages(6);
  const cat = store.labels.createClass('cat');
  const dog = store.labels.createClass('dog');
  store.labels.set([1, 2], cat.id);
  store.labels.set([3], dog.id);
  store.outputs.savePredictions([
    { imageId: 1, classId: cat.id, confidence: 0.9 },
    { imageId: 2, classId: dog.id, confidence: 0.55 },
    { imageId: 3, classId: dog.id, confidence: 0.7 },
    { imageId: 4, classId: cat.id, confidence: 0.3 },
    { imageId: 5, classId: dog.id, confidence: 0.95 },
  ]);
  return { store, cat, dog };
}

test('each filter selects the images it names, and listImageIds agrees with listImages', () => {
  const { store, cat, dog } = reviewedProject();
  const cases: [ImageFilter, number | undefined, number[]][] = [
    ['all', undefined, [1, 2, 3, 4, 5, 6]],
    ['unlabelled', undefined, [4, 5, 6]],
    ['labelled', undefined, [1, 2, 3]],
    ['class', cat.id, [1, 2]],
    ['predicted', dog.id, [2, 3, 5]],
    ['lowConfidence', undefined, [2, 4]],
  ];
  for (const [filter, classId, expected] of cases) {
    const listed = store.images.list(filter, classId, 0, 100);
    assert.deepEqual(listed.items.map((i) => i.id), expected, filter);
    assert.equal(listed.total, expected.length, filter);
    assert.deepEqual(store.images.listIds(filter, classId), expected, filter);
  }
  assert.deepEqual(store.images.listIds('lowConfidence', undefined, { maxConfidence: 0.75 }), [2, 3, 4]);
  assert.throws(() => store.images.listIds('class', undefined), /needs a classId/);
});

test('unlabelledOnly narrows any filter to the images still without a label', () => {
  const { store, dog } = reviewedProject();
  assert.deepEqual(store.images.list('predicted', dog.id, 0, 100, { unlabelledOnly: true }).items.map((i) => i.id), [5]);
  assert.deepEqual(store.images.listIds('lowConfidence', undefined, { unlabelledOnly: true }), [4]);
  assert.deepEqual(store.images.listIds('all', undefined, { unlabelledOnly: true }), [4, 5, 6]);
});

test('sorts order by import, path, and confidence either way with unpredicted images last', () => {
  const { store } = reviewedProject();
  const cases: [ImageSort, number[]][] = [
    ['imported', [1, 2, 3, 4, 5, 6]],
    // Paths compare as text: /data/img1 … img6 are already in order, so sort the labelled ones by a filter too.
    ['path', [1, 2, 3, 4, 5, 6]],
    ['confidence', [5, 1, 3, 2, 4, 6]],
    ['confidenceAscending', [4, 2, 3, 1, 5, 6]],
  ];
  for (const [sort, expected] of cases) assert.deepEqual(store.images.list('all', undefined, 0, 100, { sort }).items.map((i) => i.id), expected, sort);
  const page = store.images.list('all', undefined, 1, 2, { sort: 'confidence' });
  assert.deepEqual([page.total, page.items.map((i) => [i.id, i.confidence])], [6, [[1, 0.9], [3, 0.7]]]);
});

test('the path sort compares whole paths, not import order', () => {
  const store = storeWithImages(0);
  for (const [i, name] of ['b.png', 'a/z.png', 'c.png', 'a/b.png'].entries()) {
    store.images.add({ path: `/data/${name}`, root: '/data', relPath: name, hash: `h${i}`, bytes: 1, width: 1, height: 1 });
  }
  assert.deepEqual(store.images.list('all', undefined, 0, 10, { sort: 'path' }).items.map((i) => i.relPath), ['a/b.png', 'a/z.png', 'b.png', 'c.png']);
});
