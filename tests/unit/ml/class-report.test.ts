import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classReport } from '../../../src/main/engine/ml/few-label/class-report';

test('confusion matrix and per-class precision and recall, hand-computed', () => {
  // Labelled 0 0 0 1 1 2 2, predicted 0 0 1 1 0 2 −1 (the last never held out).
  const { confusion, perClass } = classReport([0, 0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 0, 2, -1], 4);
  assert.deepEqual(confusion, [
    [2, 1, 0, 0],
    [1, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 0],
  ]);
  // Class 0: 2 of 3 predicted as 0 are 0s (precision 2/3), 2 of its 3 found (recall 2/3). Class 1: 1 of 2 each.
  // Class 2: one held out, found. Class 3: nothing labelled or predicted, so neither is a number.
  assert.deepEqual(perClass, [
    { support: 3, precision: 2 / 3, recall: 2 / 3 },
    { support: 2, precision: 1 / 2, recall: 1 / 2 },
    { support: 1, precision: 1, recall: 1 },
    { support: 0, precision: null, recall: null },
  ]);
});
