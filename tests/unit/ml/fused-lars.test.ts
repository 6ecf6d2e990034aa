/**
 * The fused LARS against LarsOptimizer, the reference whose arithmetic optimizer.test.ts checks by hand: the same
 * weights to float rounding, the same saved state, state that resumes across the two, and a kernel count that
 * does not grow with the number of variables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FusedLarsOptimizer } from '../../../src/main/engine/ml/model/fused-lars';
import { LarsOptimizer } from '../../../src/main/engine/ml/model/optimizer';

// A conv kernel, a batch-norm gamma and a bias (neither adapted), a dense kernel, and an all-zero weight (trust 1).
const layers: [string, number[]][] = [['conv/kernel', [3, 3, 2, 4]], ['batch_normalization/gamma', [4]], ['dense/bias', [3]], ['dense/kernel', [5, 3]], ['zero/kernel', [2, 2]]];
let family = 0;

function variables(): tf.Variable[] {
  const prefix = `fused_lars_${family++}`;
  return layers.map(([name, shape], v) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = name.startsWith('zero') ? new Array<number>(size).fill(0) : Array.from({ length: size }, (_, i) => Math.sin(5 * v + i) * 0.5);
    return tf.variable(tf.tensor(values, shape), true, `${prefix}/${name}`);
  });
}

function train(optimizer: tf.Optimizer, vars: tf.Variable[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    const grads = Object.fromEntries(vars.map((v, index) => [v.name, tf.tensor(Array.from({ length: v.size }, (_, i) => Math.cos(step * 2 + index + i * 0.3)), v.shape)]));
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
}

function assertClose(actual: tf.Variable[], expected: tf.Variable[]): void {
  actual.forEach((v, i) => {
    const [a, e] = [v.dataSync(), expected[i]!.dataSync()];
    a.forEach((value, j) => assert.ok(Math.abs(value - e[j]!) <= 1e-6 * Math.max(1, Math.abs(e[j]!)), `${v.name}[${j}]: ${value} vs ${e[j]}`));
  });
}

test('four steps give the weights LarsOptimizer gives, to float rounding, batch norm and biases unadapted', () => {
  const reference = variables();
  const fused = variables();
  train(new LarsOptimizer(0.5, { weightDecay: 1e-3 }), reference, 0, 4);
  train(new FusedLarsOptimizer(0.5, { weightDecay: 1e-3 }), fused, 0, 4);
  assertClose(fused, reference);
});

test("its saved state is LarsOptimizer's, and either's state resumes in the other", async () => {
  const reference = variables();
  const fused = variables();
  const lars = new LarsOptimizer(0.3);
  const fusedLars = new FusedLarsOptimizer(0.3);
  train(lars, reference, 0, 2);
  train(fusedLars, fused, 0, 2);
  const [a, b] = [await lars.getWeights(), await fusedLars.getWeights()];
  assert.deepEqual(b.map((w) => [w.name, w.tensor.shape]), a.map((w) => [w.name, w.tensor.shape]));

  const resumedFused = new FusedLarsOptimizer(0.3);
  await resumedFused.setWeights(a.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  const resumedLars = new LarsOptimizer(0.3);
  await resumedLars.setWeights(b.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  const [left, right] = [variables(), variables()];
  [left, right].forEach((vars) => vars.forEach((v, i) => v.assign(reference[i]!)));
  train(resumedFused, left, 2, 4);
  train(resumedLars, right, 2, 4);
  train(lars, reference, 2, 4);
  assertClose(left, reference);
  assertClose(right, reference);
});

test('an update launches the same kernels for 5 variables as for 50', async () => {
  const launches = async (count: number) => {
    const vars = Array.from({ length: count }, (_, i) => tf.variable(tf.fill([3, 2], (i + 1) / count), true, `fused_lars_count_${count}/w${i}/kernel`));
    const optimizer = new FusedLarsOptimizer(0.1);
    train(optimizer, vars, 0, 1);
    const info = await tf.profile(() => train(optimizer, vars, 1, 2));
    return info.kernels.filter((k) => k.name !== 'Reshape' && !k.name.endsWith('__op')).length;
  };
  const [few, many] = [await launches(5), await launches(50)];
  assert.equal(many, few, `${few} kernels for 5 variables, ${many} for 50`);
  assert.ok(few < 40, `${few} kernels an update`);
});
