import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { twoViews } from '../../../src/main/engine/ml/model/augment';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { ntXentLoss } from '../../../src/main/engine/ml/model/loss';
import { Rng } from '../../../src/main/engine/ml/rng';
import { microBatchSizes } from '../../../src/main/engine/ml/training/micro-batch';
import { SimclrModel } from '../../../src/main/engine/ml/model/simclr';
import { shapeImages } from './synthetic';

await initBackend('wasm');

const config = { encoder: 'resnet-tiny', imageSize: 16, learningRate: 1e-2, seed: 7 } as const;
const { images } = shapeImages(10, 16, 2);

interface StepResult {
  loss: number;
  weights: Float32Array[];
  /** Batch-norm moving means and variances. */
  statistics: Float32Array[];
}

function stateOf(model: SimclrModel, loss: number): StepResult {
  const read = (weights: tf.LayerVariable[]) => weights.map((w) => w.read().dataSync() as Float32Array);
  return { loss, weights: read([...model.encoder.trainableWeights, ...model.head.trainableWeights]), statistics: read([...model.encoder.nonTrainableWeights, ...model.head.nonTrainableWeights]) };
}

/**
 * One step of the paper's loss on one process, written plainly in one tape: the images in parts of the given
 * sizes, each part's two views through f and g together (batch norm per part), the loss over all 2B views.
 * The views are drawn for the whole batch at once, or for parts of the sizes in viewParts one after another.
 */
function referenceStep(parts: number[], { viewParts = [images.shape[0]] } = {}): StepResult {
  const model = SimclrModel.create(config);
  const rng = new Rng(config.seed);
  const drawn = tf.split(images, viewParts).map((part) => twoViews(part as tf.Tensor4D, config.imageSize, model.config.augment, rng));
  const [v1, v2] = [0, 1].map((v) => tf.concat(drawn.map((pair) => pair[v])));
  tf.dispose(drawn.flat());
  const embed = (a: tf.Tensor, b: tf.Tensor) => model.head.apply(model.encoder.apply(tf.concat([a, b]), { training: true }), { training: true }) as tf.Tensor2D;
  const variables = [...model.encoder.trainableWeights, ...model.head.trainableWeights].map((w) => w.read() as tf.Variable);
  const cost = model.optimizer.minimize(() => {
    const [firsts, seconds] = [tf.split(v1, parts), tf.split(v2, parts)];
    const projections = firsts.map((first, i) => tf.split(embed(first, seconds[i]), 2));
    const z1 = tf.concat(projections.map(([one]) => one)) as tf.Tensor2D;
    const z2 = tf.concat(projections.map(([, two]) => two)) as tf.Tensor2D;
    return ntXentLoss(z1, z2, model.config.temperature);
  }, true, variables)!;
  const result = stateOf(model, cost.dataSync()[0]);
  tf.dispose([cost, v1, v2]);
  model.dispose();
  return result;
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

// Adam's first step moves each weight by about ±lr, so a wrong gradient sign shows as a difference ~lr.
const tolerance = 0.02 * config.learningRate;

function assertSameStep(actual: StepResult, reference: StepResult, what: string): void {
  assert.ok(Math.abs(actual.loss - reference.loss) < 1e-5, `${what}: loss ${actual.loss} vs ${reference.loss}`);
  const difference = maxDifference(actual.weights, reference.weights);
  assert.ok(difference < tolerance, `${what}: max weight difference ${difference}`);
}

/** The peer applied the same summed gradients: its weights are bit-identical to this side's. */
async function assertPeerAgrees(parallel: SimclrModel): Promise<void> {
  const peer = await parallel.peerState();
  const mine = [...parallel.encoder.getWeights(), ...parallel.head.getWeights()].map((t) => t.dataSync() as Float32Array);
  assert.equal(maxDifference(peer!.weights, mine), 0);
}

test('one two-worker step equals one single-process step with batch norm per half, and both workers agree', async () => {
  const parallel = SimclrModel.create({ ...config, workers: 2 });
  try {
    const result = stateOf(parallel, await parallel.trainStep(images));
    assertSameStep(result, referenceStep([5, 5]), 'two workers');
    // The comparison can tell: batch norm over the whole batch gives other weights.
    assert.ok(maxDifference(result.weights, referenceStep([10]).weights) > tolerance);
    await assertPeerAgrees(parallel);
  } finally {
    parallel.dispose();
  }
});

test("a step in micro-batches has the whole batch's gradient, with batch norm and its moving statistics per micro-batch", async () => {
  const model = SimclrModel.create({ ...config, microBatchSize: 3 });
  const tensorsBefore = tf.memory().numTensors;
  const result = stateOf(model, await model.trainStep(images));
  assert.equal(model.imagesPerMicroBatch(), 3);
  // 10 images in micro-batches of at most 3: four, as even as can be.
  const reference = referenceStep([3, 3, 2, 2]);
  assertSameStep(result, reference, 'micro-batches of 3');
  // Each micro-batch moved the statistics once, as the reference's single pass over each part did (not twice).
  assert.ok(maxDifference(result.statistics, reference.statistics) < 1e-5, `moving statistics differ by ${maxDifference(result.statistics, reference.statistics)}`);
  assert.ok(maxDifference(result.weights, referenceStep([3, 3, 3, 1]).weights) > tolerance, 'the partition shows in the weights');
  // The weights' Adam slots are new after a first step; nothing else stays behind.
  await model.trainStep(images);
  const afterTwo = tf.memory().numTensors;
  await model.trainStep(images);
  assert.equal(tf.memory().numTensors, afterTwo);
  assert.ok(afterTwo > tensorsBefore);
  model.dispose();
});

test('micro-batches are the fewest that fit, as even as can be', () => {
  assert.deepEqual(microBatchSizes(10, 3), [3, 3, 2, 2]);
  assert.deepEqual(microBatchSizes(128, 85), [64, 64]);
  // The paper's batch on a GPU with 14 images to a micro-batch: 293 of them, 287 of 14 and 6 of 13.
  const paper = microBatchSizes(4096, 14);
  assert.equal(paper.length, 293);
  assert.deepEqual([paper.filter((n) => n === 14).length, paper.filter((n) => n === 13).length], [287, 6]);
  assert.deepEqual(microBatchSizes(6, 6), [6]);
  assert.deepEqual(microBatchSizes(5, Infinity), [5]);
});

test("a batch given in parts (one tensor per micro-batch, each with its own views) has the whole batch's gradient", async () => {
  for (const workers of [1, 2]) {
    const model = SimclrModel.create({ ...config, workers, microBatchSize: 3 });
    const parts = tf.split(images, [3, 3, 3, 1]) as tf.Tensor4D[];
    try {
      const result = stateOf(model, await model.trainStep(parts));
      // Two workers put the parts back together and halve the batch, then each takes micro-batches of its half.
      const reference = referenceStep(workers === 1 ? [3, 3, 3, 1] : [3, 2, 3, 2], { viewParts: [3, 3, 3, 1] });
      assertSameStep(result, reference, `${workers} worker(s)`);
      assert.ok(maxDifference(result.weights, referenceStep([3, 3, 3, 1]).weights) > tolerance, "views drawn per part differ from the whole batch's");
    } finally {
      tf.dispose(parts);
      model.dispose();
    }
  }
});

test('two workers, each in micro-batches, equal one process in the same parts', async () => {
  const parallel = SimclrModel.create({ ...config, workers: 2, microBatchSize: 2 });
  try {
    // Halves of 5 images, each in micro-batches of 2, 2 and 1.
    assertSameStep(stateOf(parallel, await parallel.trainStep(images)), referenceStep([2, 2, 1, 2, 2, 1]), 'two workers in micro-batches');
    await assertPeerAgrees(parallel);
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
