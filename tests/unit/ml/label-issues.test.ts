import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLabelIssues } from '../../../src/main/engine/ml/few-label/label-issues';

test('confident learning flags a label whose image is confidently of another class, hand-computed', () => {
  // Out-of-fold probabilities of 6 images over 3 classes, and their labels.
  const probabilities = Float32Array.from([
    0.8, 0.1, 0.1, // labelled 0: fine
    0.6, 0.3, 0.1, // labelled 0: fine
    0.1, 0.7, 0.2, // labelled 1: fine
    0.75, 0.15, 0.1, // labelled 1, but confidently 0
    0.2, 0.2, 0.6, // labelled 2: fine
    0.3, 0.3, 0.4, // labelled 2: below class 2's threshold, and confidently no class
    NaN, NaN, NaN, // never held out: skipped
  ]);
  const labels = [0, 0, 1, 1, 2, 2, 0];
  // Thresholds: t0 = (0.8 + 0.6) / 2 = 0.7, t1 = (0.7 + 0.15) / 2 = 0.425, t2 = (0.6 + 0.4) / 2 = 0.5.
  // Image 3: p0 = 0.75 ≥ t0 and p1 = 0.15 < t1 → confidently 0, labelled 1: flagged, scored 1 − p1 = 0.85.
  // Image 5: p0 0.3 < 0.7, p1 0.3 < 0.45, p2 0.4 < 0.5 → not confidently anything: not flagged.
  const issues = findLabelIssues(probabilities, labels, 3);
  assert.equal(issues.length, 1);
  assert.equal(issues[0].index, 3);
  assert.equal(issues[0].suggested, 0);
  assert.ok(Math.abs(issues[0].score - 0.85) < 1e-6);
});

test('flags are ranked by how little the model believes the label, and a confident own class is never flagged', () => {
  const probabilities = Float32Array.from([
    0.9, 0.1, // labelled 0
    0.9, 0.1, // labelled 1: scored 1 − 0.1 = 0.9
    0.6, 0.4, // labelled 1: p0 0.6 < t0 = 0.75 → not confidently 0
    0.2, 0.8, // labelled 1
    0.6, 0.4, // labelled 0
  ]);
  const labels = [0, 1, 1, 1, 0];
  // t0 = (0.9 + 0.6) / 2 = 0.75; t1 = (0.1 + 0.4 + 0.8) / 3 = 0.4333.
  // Image 2: p1 = 0.4 < t1 and p0 = 0.6 < t0: nothing confident. Image 4 (labelled 0): p1 = 0.4 < t1: fine.
  assert.deepEqual(findLabelIssues(probabilities, labels, 2).map((i) => [i.index, i.suggested]), [[1, 0]]);
});

test('of two flagged labels the one the model believes less comes first', () => {
  const probabilities = Float32Array.from([0.95, 0.05, 0.9, 0.1, 0.1, 0.9, 0.7, 0.3, 0.9, 0.1, 0.3, 0.7]);
  const labels = [0, 0, 1, 1, 1, 0];
  // t0 = (0.95 + 0.9 + 0.3) / 3 = 0.7167, t1 = (0.9 + 0.3 + 0.1) / 3 = 0.4333.
  // Image 3 (labelled 1, p0 0.7 < t0): not confident. Image 4 (labelled 1, p0 0.9): flagged, 1 − 0.1 = 0.9.
  // Image 5 (labelled 0, p1 0.7 ≥ t1): flagged, 1 − 0.3 = 0.7.
  assert.deepEqual(findLabelIssues(probabilities, labels, 2).map((i) => [i.index, i.suggested, +i.score.toFixed(4)]), [[4, 0, 0.9], [5, 1, 0.7]]);
});
