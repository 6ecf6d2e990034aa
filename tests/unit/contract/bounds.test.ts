/** One set of bounds: what the contract accepts is exactly what the forms accept, in the same words. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundMessage, boundProblem, bounds, withinBound } from '../../../src/shared/bounds';
import { finetuneOptionsSchema, pretrainOptionsSchema } from '../../../src/shared/contract';

test('the contract and the forms accept the same values at every bound', () => {
  const cases: [keyof typeof bounds, keyof ReturnType<typeof pretrainOptionsSchema.parse>, number[]][] = [
    ['epochs', 'epochs', [0, 1, 1.5, 10_000, 10_001]],
    ['batchSize', 'batchSize', [1, 2, 4096, 4097]],
    ['imageSize', 'imageSize', [7, 8, 512, 513]],
    ['microBatchSize', 'microBatchSize', [0, 1, 4096, 4097]],
    ['temperature', 'temperature', [0, 0.001, 10, 10.5]],
    ['learningRate', 'learningRate', [0, 1e-6, 10, 11]],
    ['colorStrength', 'colorStrength', [-0.1, 0, 2, 2.1]],
  ];
  for (const [bound, option, values] of cases) {
    for (const value of values) {
      const accepted = pretrainOptionsSchema.safeParse({ [option]: value }).success;
      assert.equal(accepted, withinBound(bounds[bound], value), `${option} = ${value}`);
    }
  }
  for (const value of [0, 0.5, 1, 1.01]) {
    assert.equal(pretrainOptionsSchema.safeParse({ augment: { flipProb: value } }).success, withinBound(bounds.probability, value), `flipProb ${value}`);
  }
  assert.equal(finetuneOptionsSchema.safeParse({ epochs: 10_001 }).success, false);
});

test('a value out of bounds is explained in words, an empty optional field is fine', () => {
  assert.equal(boundMessage(bounds.epochs), 'Epochs must be a whole number from 1 to 10 000');
  assert.equal(boundMessage(bounds.temperature), 'Temperature must be above 0 and at most 10');
  assert.equal(boundProblem(bounds.microBatchSize, 5000, 'automatic'), 'The micro-batch must be a whole number from 1 to 4 096, or empty for automatic');
  assert.equal(boundProblem(bounds.microBatchSize, null, 'automatic'), null);
  assert.equal(boundProblem(bounds.epochs, null), 'Epochs is needed');
  assert.equal(boundProblem(bounds.epochs, 30), null);
});
