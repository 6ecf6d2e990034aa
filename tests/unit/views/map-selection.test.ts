/** The map's pure pieces: which points a lasso or box encloses, and what each colour mode paints a point. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassInfo, MapPoint } from '../../../src/shared/contract';
import { enclosedIds, insidePolygon } from '../../../src/renderer/src/views/map/selection-shape';
import { confidenceColor, pointColor } from '../../../src/renderer/src/views/map/map-colors';

const point = (id: number, x: number, y: number, more: Partial<MapPoint> = {}): MapPoint => ({ id, x, y, labelId: null, predictedId: null, confidence: null, flagged: false, ...more });

test('a lasso encloses by the even–odd rule: inside an L shape, not in its notch', () => {
  // An L: the unit square's left column and bottom row, without the top-right quarter.
  const l = [{ x: 0, y: 0 }, { x: 0.5, y: 0 }, { x: 0.5, y: 0.5 }, { x: 1, y: 0.5 }, { x: 1, y: 1 }, { x: 0, y: 1 }];
  assert.equal(insidePolygon(0.25, 0.25, l), true);
  assert.equal(insidePolygon(0.75, 0.75, l), true);
  assert.equal(insidePolygon(0.75, 0.25, l), false, 'the notch');
  const points = [point(1, 0.25, 0.25), point(2, 0.75, 0.25), point(3, 0.75, 0.75), point(4, 2, 2)];
  assert.deepEqual(enclosedIds(points, { kind: 'lasso', path: l }), [1, 3]);
});

test('a box encloses the points between its two corners, whichever way it was dragged', () => {
  const points = [point(1, 0.1, 0.1), point(2, 0.5, 0.5), point(3, 0.9, 0.2)];
  assert.deepEqual(enclosedIds(points, { kind: 'box', path: [{ x: 0.6, y: 0.6 }, { x: 0.4, y: 0 }] }), [2]);
  assert.deepEqual(enclosedIds(points, { kind: 'box', path: [{ x: 0.6, y: 0.6 }] }), [], 'a click is no box');
});

test('colour modes: confidence from red at 50 % to green at 100 %, right and wrong predictions, flagged labels', () => {
  assert.equal(confidenceColor(0.5), '#d1353b');
  assert.equal(confidenceColor(0.2), '#d1353b', 'below a coin toss stays red');
  assert.equal(confidenceColor(1), '#2e8540');
  assert.equal(confidenceColor(0.75), '#805d3e', 'halfway: each channel the mean of the two (rounded)');
  const classes = new Map<number, ClassInfo>([[7, { id: 7, name: 'cat', color: '#4e79a7', count: 1 }]]);
  assert.equal(pointColor('label', point(1, 0, 0, { labelId: 7 }), classes), '#4e79a7');
  assert.equal(pointColor('correct', point(1, 0, 0, { labelId: 7, predictedId: 7 }), classes), '#2e8540');
  assert.equal(pointColor('correct', point(1, 0, 0, { labelId: 7, predictedId: 8 }), classes), '#d1353b');
  assert.equal(pointColor('flagged', point(1, 0, 0, { flagged: true }), classes), '#f28e2b');
});
