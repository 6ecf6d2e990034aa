import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, initBackend } from '../../../src/main/engine/ml/backends/backend';

test('a forced backend that cannot load is an error naming it; then wasm loads once and stays', async () => {
  assert.equal(currentBackend(), null);
  // tfjs-node is an optional dependency; where it is missing, forcing it must fail loudly.
  const nodeSpecifier = '@tensorflow/tfjs-node';
  const nodeMissing = await import(nodeSpecifier).then(() => false, () => true);
  if (nodeMissing) await assert.rejects(initBackend('tensorflow'), /backend 'tensorflow' was forced but cannot be loaded/);
  await assert.rejects(initBackend('bogus'), /unknown backend 'bogus'/);
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(currentBackend(), 'wasm');
  assert.equal(await initBackend('cpu'), 'wasm'); // idempotent: the first choice stands
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

test('a tfjs release other than the one the adaptations were written for is refused, naming what was found', async () => {
  const { supportedTfjsVersion, tfjsVersionProblem } = await import('../../../src/main/engine/ml/backends/tfjs-version.ts');
  assert.equal(tfjsVersionProblem({ ...tf.version }), null, 'the installed tfjs is the pinned one');
  const problem = tfjsVersionProblem({ 'tfjs-core': supportedTfjsVersion, 'tfjs-backend-wasm': '4.23.0' });
  assert.match(problem ?? '', /needs TensorFlow\.js 4\.22\.0 exactly .* found tfjs-backend-wasm 4\.23\.0\. Reinstall with `npm ci`/);
});
