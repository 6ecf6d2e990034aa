import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { twoViews } from '../../../src/main/engine/ml/augment';
import { initBackend } from '../../../src/main/engine/ml/backend';
import { ntXentLoss } from '../../../src/main/engine/ml/loss';
import { Rng } from '../../../src/main/engine/ml/rng';
import { SimclrModel } from '../../../src/main/engine/ml/simclr';
import { shapeImages } from './synthetic';

await initBackend('wasm');

const config = { encoder: 'resnet-tiny', imageSize: 16, learningRate: 1e-2, seed: 7 } as const;
const { images } = shapeImages(10, 16, 2);

/** Weights after one step of the paper's loss on one process, with batch norm over each half of the images separately. */
function referenceStep(halves: 'per-half' | 'whole'): { loss: number; weights: Float32Array[] } {
  const model = SimclrModel.create(config);
  const [v1, v2] = twoViews(images, config.imageSize, model.config.augment, new Rng(config.seed));
  const embed = (a: tf.Tensor, b: tf.Tensor) => model.head.apply(model.encoder.apply(tf.concat([a, b]), { training: true }), { training: true }) as tf.Tensor2D;
  const variables = [...model.encoder.trainableWeights, ...model.head.trainableWeights].map((w) => w.read() as tf.Variable);
  const cost = model.optimizer.minimize(() => {
    if (halves === 'whole') {
      const [z1, z2] = tf.split(embed(v1, v2), 2);
      return ntXentLoss(z1 as tf.Tensor2D, z2 as tf.Tensor2D, model.config.temperature);
    }
    const [a1, b1] = tf.split(v1, [5, 5]);
    const [a2, b2] = tf.split(v2, [5, 5]);
    const [za1, za2] = tf.split(embed(a1, a2), 2);
    const [zb1, zb2] = tf.split(embed(b1, b2), 2);
    return ntXentLoss(tf.concat([za1, zb1]) as tf.Tensor2D, tf.concat([za2, zb2]) as tf.Tensor2D, model.config.temperature);
  }, true, variables)!;
  const loss = cost.dataSync()[0];
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  tf.dispose([cost, v1, v2]);
  model.dispose();
  return { loss, weights };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

test('one two-worker step equals one single-process step with batch norm per half, and both workers agree', async () => {
  const parallel = SimclrModel.create({ ...config, workers: 2 });
  try {
    const loss = await parallel.trainStep(images);
    const weights = [...parallel.encoder.trainableWeights, ...parallel.head.trainableWeights].map((w) => w.read().dataSync() as Float32Array);
    const reference = referenceStep('per-half');
    assert.ok(Math.abs(loss - reference.loss) < 1e-5, `loss ${loss} vs ${reference.loss}`);
    // Adam's first step moves each weight by about ±lr, so a wrong gradient sign shows as a difference ~lr.
    const tolerance = 0.02 * config.learningRate;
    assert.ok(maxDifference(weights, reference.weights) < tolerance, `max weight difference ${maxDifference(weights, reference.weights)}`);
    // The comparison can tell: batch norm over the whole batch gives other weights.
    assert.ok(maxDifference(weights, referenceStep('whole').weights) > tolerance);

    // The peer applied the same summed gradients: its weights are bit-identical to this side's.
    const peer = await parallel.peerState();
    const mine = [...parallel.encoder.getWeights(), ...parallel.head.getWeights()].map((t) => t.dataSync() as Float32Array);
    assert.equal(maxDifference(peer!.weights, mine), 0);
  } finally {
    parallel.dispose();
  }
});

test('tensor count stays flat over 20 steps, on one worker and on two', async () => {
  for (const workers of [1, 2]) {
    const model = SimclrModel.create({ ...config, workers });
    await model.trainStep(images);
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await model.trainStep(images);
    assert.equal(tf.memory().numTensors, after1, `workers ${workers}`);
    assert.equal(model.step, 21);
    model.dispose();
  }
});
