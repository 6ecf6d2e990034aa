/**
 * The fused Adam against tf.train.adam: the same weights step after step, the same saved state, state that
 * loads across the two, and a kernel count that does not grow with the number of variables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FusedAdamOptimizer } from '../../../src/main/engine/ml/model/fused-adam';

const shapes = [[3, 3, 2, 4], [4], [5, 3], [1]];
let family = 0;

/** Variables of several shapes with fixed starting values, under names of their own. */
function variables(prefix = `fused_adam_${family++}`): tf.Variable[] {
  return shapes.map((shape, v) => tf.variable(tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(7 * v + i)), shape), true, `${prefix}/w${v}`));
}

/** Step k's gradient for each variable: fixed values that change from step to step. */
function gradients(vars: tf.Variable[], step: number): tf.NamedTensorMap {
  return Object.fromEntries(vars.map((v, index) => [v.name, tf.tensor(Array.from({ length: v.size }, (_, i) => Math.cos(step * 3 + index + i * 0.37)), v.shape)]));
}

function train(optimizer: tf.Optimizer, vars: tf.Variable[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    const grads = gradients(vars, step);
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

test('four steps give the weights tf.train.adam gives, to the last bit', () => {
  const reference = variables();
  const fused = variables();
  train(tf.train.adam(0.01), reference, 0, 4);
  train(new FusedAdamOptimizer(0.01), fused, 0, 4);
  assert.deepEqual(values(fused), values(reference));
});

test("its saved state is tf.train.adam's, and either's state resumes in the other", async () => {
  const reference = variables();
  const fused = variables();
  const adam = tf.train.adam(0.02);
  const fusedAdam = new FusedAdamOptimizer(0.02);
  train(adam, reference, 0, 2);
  train(fusedAdam, fused, 0, 2);
  const [a, b] = [await adam.getWeights(), await fusedAdam.getWeights()];
  assert.deepEqual(
    b.map((w) => [w.name.replace(/^fused_adam_\d+/, ''), w.tensor.shape]),
    a.map((w) => [w.name.replace(/^fused_adam_\d+/, ''), w.tensor.shape]),
  );
  b.forEach((w, i) => assert.deepEqual(Array.from(w.tensor.dataSync()), Array.from(a[i]!.tensor.dataSync())));

  // tf.train.adam's state into a fresh fused Adam (an old checkpoint resumed), and the fused state into tf's.
  const resumedFused = new FusedAdamOptimizer(0.02);
  await resumedFused.setWeights(a.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  const resumedAdam = tf.train.adam(0.02);
  await resumedAdam.setWeights(b.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
  const left = variables();
  const right = variables();
  [left, right].forEach((vars) => vars.forEach((v, i) => v.assign(reference[i]!)));
  train(resumedFused, left, 2, 4);
  train(resumedAdam, right, 2, 4);
  // Both resumed the same way (tfjs sets the bias corrections to β^(t+1) on restore), so they agree exactly...
  assert.deepEqual(values(left), values(right));
  // ...and with the run that never stopped, whose corrections are running products, to float rounding.
  train(adam, reference, 2, 4);
  values(left).forEach((row, v) => row.forEach((x, i) => assert.ok(Math.abs(x - values(reference)[v]![i]!) < 1e-6)));
});

test('an update launches the same kernels for 4 variables as for 40', async () => {
  const launches = async (count: number) => {
    const vars = Array.from({ length: count }, (_, i) => tf.variable(tf.fill([3, 2], i / count), true, `fused_adam_count_${count}/w${i}`));
    const optimizer = new FusedAdamOptimizer(0.01);
    train(optimizer, vars, 0, 1);
    const info = await tf.profile(() => train(optimizer, vars, 1, 2));
    // Kernels that compute: shape changes and op scopes are no launches (see step-profile.ts).
    return info.kernels.filter((k) => k.name !== 'Reshape' && !k.name.endsWith('__op')).length;
  };
  const [few, many] = [await launches(4), await launches(40)];
  assert.equal(many, few, `${few} kernels for 4 variables, ${many} for 40`);
  assert.ok(few < 30, `${few} kernels an update`);
});

test('it refuses a step that leaves a variable out, rather than updating the moments of the wrong weights', () => {
  const vars = variables();
  const optimizer = new FusedAdamOptimizer(0.01);
  train(optimizer, vars, 0, 1);
  const grads = gradients(vars, 1);
  delete grads[vars[0]!.name];
  assert.throws(() => optimizer.applyGradients(grads), /updates the same 4 variables every step/);
});
