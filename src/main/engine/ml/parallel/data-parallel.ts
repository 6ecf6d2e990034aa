/**
 * One SimCLR step split over two workers (data parallelism, as SimCLR across TPU cores): each side
 * embeds its half of the images (both views; batch norm over its own views, like per-device BN), the
 * sides swap projections z so each computes the NT-Xent loss over all 2B views, each backpropagates
 * through its own rows only, and the sides swap and sum gradients, so both apply the same exact update.
 */
import * as tf from '@tensorflow/tfjs';
import { frugalVariableGrads } from '../frugal-backprop';
import { applyTraining } from '../frugal-forward';
import { ntXentLoss } from '../loss';
import type { PairExchange } from './exchange';

/** The parts of a SimCLR model a step needs (structural, so this module does not import simclr.ts). */
export interface Replica {
  readonly encoder: tf.LayersModel;
  readonly head: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
}

/** Which images each side holds: side 0 the first `counts[0]`, side 1 the rest. */
export type Split = [number, number];

export function splitBatch(batchSize: number): Split {
  const first = Math.ceil(batchSize / 2);
  return [first, batchSize - first];
}

export function trainableVariables(replica: Replica): tf.Variable[] {
  return [...replica.encoder.trainableWeights, ...replica.head.trainableWeights].map((w) => w.read() as tf.Variable);
}

/** Batch-norm moving statistics, averaged across the sides after each step (as tf's synced replicas do). */
function movingStatistics(replica: Replica): tf.LayerVariable[] {
  return [...replica.encoder.nonTrainableWeights, ...replica.head.nonTrainableWeights];
}

function flatten(tensors: tf.Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

/** Floats a gradient swap carries: every trainable weight and every moving statistic. */
export function gradientFloats(replica: Replica): number {
  return [...trainableVariables(replica), ...movingStatistics(replica).map((w) => w.read())].reduce((n, t) => n + t.size, 0);
}

/**
 * This side's gradient of the full NT-Xent loss with respect to the weights, through its own rows of z.
 * views1/views2: this side's two views [n, S, S, 3]. Returns the loss and the gradients, flattened in
 * trainableVariables order. Blocks until the other side has published its projections.
 */
export function localGradients(replica: Replica, exchange: PairExchange, views1: tf.Tensor4D, views2: tf.Tensor4D, split: Split, temperature: number): { loss: number; grads: Float32Array } {
  const side = exchange.side;
  const { value, grads } = frugalVariableGrads(() => {
    const h = applyTraining(replica.encoder, tf.concat([views1, views2]));
    const own = applyTraining(replica.head, h) as tf.Tensor2D;
    const dim = own.shape[1];
    const theirs = tf.tensor2d(exchange.swap('z', own.dataSync() as Float32Array), [2 * split[1 - side], dim]);
    const [own1, own2] = tf.split(own, 2);
    const [their1, their2] = tf.split(theirs, 2);
    // All views in the same order on both sides: side 0's images first.
    const ordered = (mine: tf.Tensor, other: tf.Tensor) => (side === 0 ? [mine, other] : [other, mine]);
    const z1 = tf.concat(ordered(own1, their1)) as tf.Tensor2D;
    const z2 = tf.concat(ordered(own2, their2)) as tf.Tensor2D;
    return ntXentLoss(z1, z2, temperature);
  }, trainableVariables(replica));
  const variables = trainableVariables(replica);
  const flat = flatten(variables.map((v) => grads[v.name]));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: flat };
}

/**
 * Swaps gradients and moving statistics with the other side, then applies the summed gradients and the
 * averaged statistics. Both sides add in the same order, so their weights stay bit-identical.
 */
export function applySummedGradients(replica: Replica, exchange: PairExchange, grads: Float32Array): void {
  const statistics = movingStatistics(replica);
  const mine = new Float32Array(grads.length + statistics.reduce((n, w) => n + w.read().size, 0));
  mine.set(grads);
  mine.set(flatten(statistics.map((w) => w.read())), grads.length);
  const theirs = exchange.swap('grads', mine);
  const [first, second] = exchange.side === 0 ? [mine, theirs] : [theirs, mine];
  const variables = trainableVariables(replica);
  tf.tidy(() => {
    let offset = 0;
    const summed: tf.NamedTensorMap = {};
    for (const v of variables) {
      const g = new Float32Array(v.size);
      for (let i = 0; i < v.size; i++) g[i] = first[offset + i] + second[offset + i];
      summed[v.name] = tf.tensor(g, v.shape);
      offset += v.size;
    }
    replica.optimizer.applyGradients(summed);
    for (const w of statistics) {
      const m = new Float32Array(w.read().size);
      for (let i = 0; i < m.length; i++) m[i] = (first[offset + i] + second[offset + i]) / 2;
      w.write(tf.tensor(m, w.read().shape));
      offset += m.length;
    }
  });
}

/** Every weight of the replica and its optimizer, to bring a fresh peer to the same state. */
export async function replicaState(replica: Replica): Promise<{ weights: Float32Array[]; optimizer: { name: string; values: Float32Array; shape: number[] }[] }> {
  const weights = [...replica.encoder.getWeights(), ...replica.head.getWeights()].map((t) => t.dataSync() as Float32Array);
  const optimizer = (await replica.optimizer.getWeights()).map(({ name, tensor }) => ({ name, values: tensor.dataSync() as Float32Array, shape: tensor.shape }));
  return { weights, optimizer };
}

export async function setReplicaState(replica: Replica, state: Awaited<ReturnType<typeof replicaState>>): Promise<void> {
  const models = [replica.encoder, replica.head];
  let i = 0;
  for (const model of models) {
    const tensors = model.getWeights().map((w) => tf.tensor(state.weights[i++], w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
  }
  await replica.optimizer.setWeights(state.optimizer.map(({ name, values, shape }) => ({ name, tensor: tf.tensor(values, shape) })));
}
