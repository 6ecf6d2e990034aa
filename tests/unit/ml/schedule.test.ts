import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, linearScaledLr, sqrtScaledLr } from '../../../src/main/engine/ml/schedule';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('linear warm-up then cosine decay, hand-computed', () => {
  const opts = { baseLr: 1, warmupSteps: 4, totalSteps: 14 };
  close(learningRateAt(0, opts), 0.25);
  close(learningRateAt(1, opts), 0.5);
  close(learningRateAt(3, opts), 1);
  close(learningRateAt(4, opts), 1); // cosine starts at its peak
  close(learningRateAt(9, opts), 0.5); // half-way through the 10 decay steps: (1 + cos(π/2)) / 2
  close(learningRateAt(6.5, opts), 0.5 * (1 + Math.cos(Math.PI / 4)));
  close(learningRateAt(14, opts), 0);
  close(learningRateAt(100, opts), 0); // clamped past the end
  // Without warm-up the first step uses the full base rate.
  close(learningRateAt(0, { baseLr: 0.3, warmupSteps: 0, totalSteps: 10 }), 0.3);
});

test("the paper's LARS learning-rate scalings", () => {
  close(linearScaledLr(256), 0.3);
  close(linearScaledLr(4096), 4.8);
  close(sqrtScaledLr(4096), 4.8); // 0.075 × 64: the two rules agree at B = 4096
  close(sqrtScaledLr(256), 1.2);
});
