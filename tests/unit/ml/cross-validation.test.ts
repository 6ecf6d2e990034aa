import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, stratifiedFolds, wilsonInterval } from '../../../src/main/engine/ml/few-label/cross-validation';
import { Rng } from '../../../src/main/engine/ml/rng';

test('folds are stratified: each class goes round the folds, a single-example class is never held out', () => {
  // Class 0: 6 examples, class 1: 4, class 2: 1.
  const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2];
  const foldOf = stratifiedFolds(labels, 5, new Rng(3));
  assert.equal(foldOf[10], -1);
  const count = (label: number, fold: number) => labels.filter((l, i) => l === label && foldOf[i] === fold).length;
  // Class 0 fills folds 0..4 and one more: 2,1,1,1,1; class 1 goes on from fold 1: 0,1,1,1,1.
  assert.deepEqual([0, 1, 2, 3, 4].map((f) => count(0, f)), [2, 1, 1, 1, 1]);
  assert.deepEqual([0, 1, 2, 3, 4].map((f) => count(1, f)), [0, 1, 1, 1, 1]);
  // Fewer folds where no class has five examples; never fewer than two.
  assert.equal(Math.max(...stratifiedFolds([0, 0, 0, 1, 1, 1], 5, new Rng(1))) + 1, 3);
  assert.equal(Math.max(...stratifiedFolds([0, 1, 2], 5, new Rng(1))), -1, 'nothing to hold out');
  assert.deepEqual([...stratifiedFolds([0, 0, 1, 1], 5, new Rng(2))].sort(), [0, 0, 1, 1]);
});

test('cross-validation holds each example out once and counts what the fold-held model got right', async () => {
  const labels = [0, 0, 1, 1, 2];
  const foldOf = Int32Array.from([0, 1, 0, 1, -1]);
  const seen: [number[], number[]][] = [];
  // A "model" that predicts the majority class of its training set: fold 0 trains on {1, 3, 4} → ties → class 0.
  const result = await crossValidate(labels, foldOf, async (train, heldOut) => {
    seen.push([train, heldOut]);
    return heldOut.map(() => labels[train[0]]);
  });
  assert.deepEqual(seen, [[[1, 3, 4], [0, 2]], [[0, 2, 4], [1, 3]]]);
  // Fold 0 predicts class 0 for examples 0 (right) and 2 (wrong); fold 1 predicts 0 for 1 (right) and 3 (wrong).
  // Example 4, alone in its class, is never held out.
  assert.deepEqual(result, { correct: 2, validated: 4, predicted: Int32Array.from([0, 0, 0, 0, -1]) });
});

test('the Wilson interval, hand-computed', () => {
  // 8 of 10: centre (0.8 + 0.19207) / 1.38415 = 0.71679, half-width 1.95996·√(0.016 + 0.0096040) / 1.38415 = 0.22661.
  const [low, high] = wilsonInterval(8, 10);
  assert.ok(Math.abs(low - 0.49016) < 1e-4, String(low));
  assert.ok(Math.abs(high - 0.94334) < 1e-4, String(high));
  // All right of 5 is far from certain; none of 5 is not certainly 0.
  assert.ok(Math.abs(wilsonInterval(5, 5)[0] - 0.56551) < 1e-4);
  assert.equal(wilsonInterval(5, 5)[1], 1);
  assert.equal(wilsonInterval(0, 5)[0], 0);
  assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
});
