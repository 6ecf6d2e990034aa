import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCandidate, heldOutReport } from '../../../src/main/engine/jobs/tasks/finetune';
import { candidateScore, crossValidatedCandidates, pretrainingAdvice } from '../../../src/main/engine/jobs/tasks/label-candidates';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { stratifiedFolds } from '../../../src/main/engine/ml/few-label/cross-validation';
import { Rng } from '../../../src/main/engine/ml/rng';

const scores = (finetune: number, linear: number, knn: number, pixels: number) => [
  candidateScore('finetune', finetune, 10, '10 held-out labelled images'),
  candidateScore('linear', linear, 50, '5-fold cross-validation over 50 labelled images'),
  candidateScore('knn', knn, 50, '5-fold cross-validation over 50 labelled images'),
  candidateScore('pixels', pixels, 50, '5-fold cross-validation over 50 labelled images'),
];

test('the user is told plainly when raw pixels do as well as the best use of the pretrained encoder', () => {
  assert.equal(pretrainingAdvice(scores(8, 40, 35, 30)), null);
  const advice = pretrainingAdvice(scores(3, 20, 25, 29));
  assert.ok(advice?.startsWith('Pretraining has not helped yet: raw pixels classify these labels as well as the pretrained encoder does (pixels 58.0 %, best with the encoder 50.0 % by knn; 5-fold cross-validation over 50 labelled images).'), advice ?? 'null');
  assert.match(advice!, /Try pretraining longer/);
  // A tie is no help either.
  assert.ok(pretrainingAdvice(scores(5, 25, 20, 25)));
});

test('a candidate says what it was measured on, with its 95 % interval; nothing held out is not a score', () => {
  const score = candidateScore('linear', 8, 10, '5-fold cross-validation over 10 labelled images');
  assert.equal(score.accuracy, 0.8);
  assert.ok(Math.abs(score.interval![0] - 0.49016) < 1e-4 && Math.abs(score.interval![1] - 0.94334) < 1e-4);
  assert.deepEqual(candidateScore('finetune', 0, 0, 'nothing'), { ...candidateScore('finetune', 0, 0, 'nothing'), accuracy: null, interval: null });
});

test('cross-validated candidates on features that separate the classes and pixels that do not', async () => {
  await initBackend('cpu');
  // Two classes, 6 each: h (here also the region features) has the class in its first coordinate, the pixels are noise.
  const rng = new Rng(4);
  const labels = Array.from({ length: 12 }, (_, i) => i % 2);
  const representations = { values: Float32Array.from({ length: 12 * 4 }, (_, j) => (j % 4 === 0 ? (labels[j / 4] ? 3 : -3) : 0) + rng.normal() * 0.1), dim: 4 };
  const regions = representations;
  const pixels = { values: Float32Array.from({ length: 12 * 12 }, () => rng.next()), dim: 12 };
  const folds = stratifiedFolds(labels, 5, new Rng(1));
  const { scores: candidates, outOfFold } = await crossValidatedCandidates({ representations, regions, pixels, labels, numClasses: 2 }, folds);
  assert.deepEqual(candidates.map((c) => [c.name, c.validated, c.measuredOn]), [
    ['linear', 12, '5-fold cross-validation over 12 labelled images'],
    ['knn', 12, '5-fold cross-validation over 12 labelled images'],
    ['pixels', 12, '5-fold cross-validation over 12 labelled images'],
  ]);
  assert.equal(candidates[0].accuracy, 1);
  assert.equal(candidates[1].accuracy, 1);
  assert.ok(candidates[2].accuracy! < 1);
  assert.equal(pretrainingAdvice(candidates), null);
  // Every image held out once: a row of probabilities each, from the fit that did not see it.
  assert.equal(outOfFold.length, 24);
  for (let row = 0; row < 12; row++) {
    assert.ok(Math.abs(outOfFold[2 * row] + outOfFold[2 * row + 1] - 1) < 1e-5);
    assert.ok(outOfFold[2 * row + labels[row]] > 0.5, `row ${row}`);
  }
  // The probe reads the region features and the vote reads h: noise in the regions fails the probe alone.
  const noisyRegions = await crossValidatedCandidates({ representations, regions: pixels, pixels, labels, numClasses: 2 }, folds);
  assert.ok(noisyRegions.scores[0].accuracy! < 1);
  assert.equal(noisyRegions.scores[1].accuracy, 1);
});

test('the best exportable way is chosen, never raw pixels; ties go to fine-tuning, then the probe', () => {
  assert.equal(chooseCandidate(scores(8, 45, 40, 50)), 'linear'); // 80 %, 90 %, 80 %: the pixels' 100 % is the baseline, not a model
  assert.equal(chooseCandidate(scores(8, 45, 49, 10)), 'knn'); // the vote's 98 % beats the probe's 90 %
  assert.equal(chooseCandidate(scores(9, 40, 10, 10)), 'finetune');
  assert.equal(chooseCandidate(scores(8, 40, 40, 10)), 'finetune'); // 80 % each
  assert.equal(chooseCandidate(scores(7, 40, 40, 10)), 'linear'); // probe and vote tie at 80 %
  assert.equal(chooseCandidate([candidateScore('finetune', 0, 0, 'nothing'), candidateScore('linear', 0, 0, 'nothing')]), 'finetune');
});

test("the chosen way's held-out report names the classes by id, in the matrix's order", () => {
  // Labels 0 0 1 1 (class ids 7 and 9), predicted out of fold 0 1 1 −1.
  const report = heldOutReport('knn', [0, 0, 1, 1], Int32Array.from([0, 1, 1, -1]), [7, 9], '2-fold cross-validation over 3 labelled images');
  assert.deepEqual(report, {
    candidate: 'knn',
    measuredOn: '2-fold cross-validation over 3 labelled images',
    classes: [
      { classId: 7, support: 2, precision: 1, recall: 0.5 },
      { classId: 9, support: 1, precision: 0.5, recall: 1 },
    ],
    confusion: [
      [1, 1],
      [0, 1],
    ],
  });
  assert.equal(heldOutReport('linear', [0, 1], Int32Array.from([-1, -1]), [7, 9], 'nothing'), null);
});
