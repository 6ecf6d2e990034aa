import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testSetDraw } from '../../../src/main/engine/labels/test-set';
import { Rng } from '../../../src/main/engine/ml/rng';

test('a test set takes the same share of every class, rounded down, and leaves each class two labels', () => {
  // Class 1: 10 labels → 3 at 30 %; class 2: 4 → 1 (1.2); class 3: 3 → 0 (0.9); at 50 %: 5, 2, and 1 (3 − 2 kept).
  const labelled = [
    ...Array.from({ length: 10 }, (_, i) => ({ imageId: 100 + i, classId: 1 })),
    ...Array.from({ length: 4 }, (_, i) => ({ imageId: 200 + i, classId: 2 })),
    ...Array.from({ length: 3 }, (_, i) => ({ imageId: 300 + i, classId: 3 })),
  ];
  const perClass = (ids: number[]) => [1, 2, 3].map((c) => ids.filter((id) => Math.floor(id / 100) === c).length);
  assert.deepEqual(perClass(testSetDraw(labelled, 0.3, new Rng(1))), [3, 1, 0]);
  assert.deepEqual(perClass(testSetDraw(labelled, 0.5, new Rng(1))), [5, 2, 1]);
  assert.deepEqual(testSetDraw(labelled, 0, new Rng(1)), []);
  // Drawn at random, reproducibly from the seed.
  assert.deepEqual(testSetDraw(labelled, 0.5, new Rng(2)), testSetDraw(labelled, 0.5, new Rng(2)));
  assert.notDeepEqual(testSetDraw(labelled, 0.5, new Rng(2)), testSetDraw(labelled, 0.5, new Rng(3)));
});
