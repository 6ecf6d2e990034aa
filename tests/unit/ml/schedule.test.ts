import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, linearScaledLr, scheduledStep, sqrtScaledLr } from '../../../src/main/engine/ml/model/schedule';

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

test('a time budget moves the schedule along with the clock, so the decay ends when the budget does', () => {
  const run = { startStep: 0, totalSteps: 1000, budgetSeconds: 100 };
  // Without a budget the schedule follows the steps.
  assert.equal(scheduledStep({ ...run, budgetSeconds: undefined, stepsDone: 40, secondsElapsed: 99 }), 40);
  // 10 steps in a quarter of the budget: a quarter of the schedule.
  assert.equal(scheduledStep({ ...run, stepsDone: 10, secondsElapsed: 25 }), 250);
  // Steps faster than the budget assumes still count one by one.
  assert.equal(scheduledStep({ ...run, stepsDone: 600, secondsElapsed: 50 }), 600);
  // At the budget's end the schedule is at its end, where the rate is zero.
  assert.equal(scheduledStep({ ...run, stepsDone: 37, secondsElapsed: 100 }), 1000);
  assert.equal(learningRateAt(scheduledStep({ ...run, stepsDone: 37, secondsElapsed: 120 }), { baseLr: 1, warmupSteps: 100, totalSteps: 1000 }), 0);
  // A resumed run spreads what is left of its schedule over its new budget: from 400, half of the other 600.
  assert.equal(scheduledStep({ ...run, startStep: 400, stepsDone: 5, secondsElapsed: 50 }), 700);
});
