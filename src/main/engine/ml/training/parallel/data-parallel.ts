/**
 * One SimCLR step split over two workers (data parallelism, as SimCLR across TPU cores): each side
 * embeds its half of the images (both views; batch norm over its own views, like per-device BN, or per
 * micro-batch of them), the sides swap projections z so each computes the NT-Xent loss over all 2B views,
 * each backpropagates through its own rows only, and the sides swap and sum gradients, so both apply the same
 * exact update.
 */
import * as tf from '@tensorflow/tfjs';
import { ntXentLoss } from '../../model/loss';
import { contrastiveGradients, movingStatistics, splitViews, type Projector, type ViewPair } from '../micro-batch';
import { withOptimizerWeights } from '../../model/optimizer';
import { heapF32, type WasmBackend } from '../../backends/tfjs-wasm/heap';
import type { PairExchange } from './exchange';

/** The parts of a SimCLR model a step needs (structural, so this module does not import simclr.ts). */
export interface Replica extends Projector {
  readonly optimizer: tf.Optimizer;
}

/** Which images each side holds: side 0 the first `counts[0]`, side 1 the rest. */
export type Split = [number, number];

/** How each side runs its half of a step. */
export interface HalfStep {
  split: Split;
  temperature: number;
  /** Images per micro-batch on each side. */
  microBatch: number;
}

export function splitBatch(batchSize: number): Split {
  const first = Math.ceil(batchSize / 2);
  return [first, batchSize - first];
}

export function trainableVariables(replica: Replica): tf.Variable[] {
  return [...replica.encoder.trainableWeights, ...replica.head.trainableWeights].map((w) => w.read() as tf.Variable);
}

/**
 * Copies the tensors' values one after another into `out` from `offset`, straight from the wasm heap (the
 * data-parallel step runs only on wasm). Returns the offset after them.
 */
function copyInto(out: Float32Array, offset: number, tensors: tf.Tensor[]): number {
  const backend = tf.backend() as unknown as WasmBackend;
  for (const t of tensors) {
    out.set(heapF32(backend, t), offset);
    offset += t.size;
  }
  return offset;
}

/**
 * One buffer per replica for its gradients and moving statistics, reused every step: a step would otherwise
 * leave ~50 MB of arrays per thread (resnet-mini) for the garbage collector, which shows in resident memory.
 */
const stepBuffers = new WeakMap<Replica, Float32Array>();

function stepBuffer(replica: Replica): Float32Array {
  const floats = gradientFloats(replica);
  let buffer = stepBuffers.get(replica);
  if (buffer?.length !== floats) stepBuffers.set(replica, (buffer = new Float32Array(floats)));
  return buffer;
}

/** Floats a gradient swap carries: every trainable weight and every moving statistic. */
export function gradientFloats(replica: Replica): number {
  return [...trainableVariables(replica), ...movingStatistics(replica).map((w) => w.read())].reduce((n, t) => n + t.size, 0);
}

/**
 * This side's gradient of the full NT-Xent loss with respect to the weights, through its own rows of z.
 * views: this side's two views [n, S, S, 3]. Returns the loss and the gradients, flattened in
 * trainableVariables order into the replica's step buffer (valid until its next step). Blocks until the other
 * side has published its projections.
 */
export function localGradients(replica: Replica, exchange: PairExchange, views: ViewPair, { split, temperature, microBatch }: HalfStep): { loss: number; grads: Float32Array } {
  const side = exchange.side;
  const microBatches = splitViews(views, microBatch);
  const { value, grads } = contrastiveGradients(replica, trainableVariables(replica), microBatches, (own1, own2) => {
    const dim = own1.shape[1];
    const theirs = tf.tensor2d(exchange.swap('z', tf.concat([own1, own2]).dataSync() as Float32Array), [2 * split[1 - side], dim]);
    const [their1, their2] = tf.split(theirs, 2);
    // All views in the same order on both sides: side 0's images first.
    const ordered = (mine: tf.Tensor, other: tf.Tensor) => (side === 0 ? [mine, other] : [other, mine]);
    return ntXentLoss(tf.concat(ordered(own1, their1)) as tf.Tensor2D, tf.concat(ordered(own2, their2)) as tf.Tensor2D, temperature);
  });
  tf.dispose(microBatches.flat().filter((t) => !views.includes(t)));
  const variables = trainableVariables(replica);
  const buffer = stepBuffer(replica);
  const flat = buffer.subarray(0, copyInto(buffer, 0, variables.map((v) => grads[v.name])));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: flat };
}

/**
 * Swaps gradients and moving statistics with the other side, then applies the summed gradients and the
 * averaged statistics. a + b is the same float as b + a, so both sides' weights stay bit-identical.
 */
export function applySummedGradients(replica: Replica, exchange: PairExchange, grads: Float32Array): void {
  // Batch-norm moving statistics are averaged across the sides (as tf's synced replicas do).
  const statistics = movingStatistics(replica);
  const mine = stepBuffer(replica);
  if (grads.buffer !== mine.buffer || grads.byteOffset !== 0) mine.set(grads);
  copyInto(mine, grads.length, statistics.map((w) => w.read()));
  const theirs = exchange.swap('grads', mine);
  for (let i = 0; i < grads.length; i++) mine[i] += theirs[i];
  for (let i = grads.length; i < mine.length; i++) mine[i] = (mine[i] + theirs[i]) / 2;
  const variables = trainableVariables(replica);
  tf.tidy(() => {
    let offset = 0;
    const summed: tf.NamedTensorMap = {};
    for (const v of variables) {
      summed[v.name] = tf.tensor(mine.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
    }
    replica.optimizer.applyGradients(summed);
    for (const w of statistics) {
      const size = w.read().size;
      w.write(tf.tensor(mine.subarray(offset, offset + size), w.read().shape));
      offset += size;
    }
  });
}

/** Every weight of the replica and its optimizer, to bring a fresh peer to the same state. */
export async function replicaState(replica: Replica): Promise<{ weights: Float32Array[]; optimizer: { name: string; values: Float32Array; shape: number[] }[] }> {
  const weights = [...replica.encoder.getWeights(), ...replica.head.getWeights()].map((t) => t.dataSync() as Float32Array);
  const optimizer = await withOptimizerWeights(replica.optimizer, (named) =>
    named.map(({ name, tensor }) => ({ name, values: tensor.dataSync() as Float32Array, shape: tensor.shape })),
  );
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
