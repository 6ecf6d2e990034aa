/**
 * How one SimCLR step turns a batch's two views into an update, behind one interface, and the planner that
 * picks the way for each step:
 * - on one thread, in micro-batches with the whole batch's exact gradient (micro-batch.ts; a batch that fits
 *   in one micro-batch is a plain single pass);
 * - on two threads, each holding half the batch (parallel/data-parallel.ts): wasm runs one thread per thread,
 *   so this is how pretraining uses a second core.
 */
import * as tf from '@tensorflow/tfjs';
import { ntXentLoss } from '../model/loss';
import { largestMicroBatch } from './batch-limits';
import { contrastiveGradients, microBatchSizes, splitViews, type ViewPair } from './micro-batch';
import { applySummedGradients, localGradients, splitBatch, trainableVariables, type HalfStep, type Replica } from './parallel/data-parallel';
import { PeerLink } from './parallel/peer-link';
import { phase } from './step-profile';

/** What a strategy trains: a SimCLR model's networks and optimizer, and the config a peer thread rebuilds it from. */
export interface Trainee extends Replica {
  readonly config: { projectionDim: number; imageSize: number };
}

export interface StepStrategy {
  /**
   * Computes the gradient of NT-Xent over all the views and applies it; returns the loss. The caller owns the
   * views and disposes them after; a strategy may free them sooner.
   */
  step(views: ViewPair[], temperature: number, learningRate: number | undefined): Promise<number>;
}

/** How a model is asked to run (not part of what it is, so not checkpointed). */
export interface StepPlan {
  /**
   * Training threads: 2 splits each batch with a peer thread (wasm runs one thread per thread), exact
   * gradients, batch norm per half. Needs the wasm backend and a batch of 4 images or more; else 1 is used.
   */
  workers?: number;
  /**
   * Images per micro-batch (per thread): a larger batch trains in parts with the whole batch's exact gradient
   * (see micro-batch.ts). Default: the most the backend's memory allows (batch-limits.ts).
   */
  microBatchSize?: number;
}

class OneThread implements StepStrategy {
  constructor(
    private readonly model: Trainee,
    private readonly imagesPerMicroBatch: number,
  ) {}

  async step(views: ViewPair[], temperature: number): Promise<number> {
    const microBatches = views.flatMap((pair) => splitViews(pair, this.imagesPerMicroBatch));
    const made = [...microBatches.flat(), ...views.flat()];
    try {
      const { value, grads } = contrastiveGradients(this.model, trainableVariables(this.model), microBatches, (z1, z2) => ntXentLoss(z1, z2, temperature));
      tf.dispose(made); // the views too, before the update, which needs memory of its own
      phase('optimizer', () => this.model.optimizer.applyGradients(grads));
      tf.dispose(grads);
      const loss = (await phase('readback', () => value.data()))[0];
      value.dispose();
      return loss;
    } finally {
      tf.dispose(made);
    }
  }
}

class TwoThreads implements StepStrategy {
  #peer: Promise<PeerLink> | null = null;

  constructor(
    private readonly model: Trainee,
    private readonly imagesPerMicroBatch: number,
  ) {}

  async step(views: ViewPair[], temperature: number, learningRate: number | undefined): Promise<number> {
    const [view1, view2] = views.length === 1 ? views[0] : ([0, 1].map((v) => tf.concat(views.map((pair) => pair[v]))) as ViewPair);
    this.#peer ??= PeerLink.start(this.model.config, this.model);
    const parts: tf.Tensor[] = views.length === 1 ? [] : [view1, view2];
    try {
      const peer = await this.#peer;
      const half: HalfStep = { split: splitBatch(view1.shape[0]), temperature, microBatch: this.imagesPerMicroBatch };
      const [mine1, theirs1] = tf.split(view1, half.split);
      const [mine2, theirs2] = tf.split(view2, half.split);
      parts.push(mine1, mine2, theirs1, theirs2);
      const theirs = [theirs1, theirs2].map((t) => t.dataSync() as Float32Array);
      const peerDone = peer.step(theirs[0], theirs[1], { ...half, imageSize: this.model.config.imageSize, learningRate });
      try {
        const { loss, grads } = localGradients(this.model, peer.exchange, [mine1, mine2] as ViewPair, half);
        applySummedGradients(this.model, peer.exchange, grads);
        await peerDone;
        return loss;
      } catch (err) {
        // The peer's own error says more than this side's "the other worker failed".
        await peerDone;
        throw err;
      }
    } finally {
      tf.dispose(parts);
    }
  }

  /** The peer thread's weights and optimizer state (for tests: they must equal this side's). */
  async peerState(): Promise<Awaited<ReturnType<PeerLink['state']>> | null> {
    return this.#peer ? (await this.#peer).state() : null;
  }

  close(): void {
    void this.#peer?.then((peer) => peer.close()).catch(() => undefined);
    this.#peer = null;
  }
}

/** Picks each step's strategy; owns the peer thread, which lives from the first two-thread step to dispose(). */
export class StepPlanner {
  #microBatchLimit: number | undefined;
  #oneThread: OneThread | undefined;
  #twoThreads: TwoThreads | undefined;

  constructor(
    private readonly model: Trainee,
    private readonly plan: StepPlan,
  ) {}

  /** Threads a step over this many images runs on: the peer joins on wasm only, and only for 4 images or more. */
  threadsFor(images: number): number {
    return (this.plan.workers ?? 1) > 1 && images >= 4 && tf.getBackend() === 'wasm' ? 2 : 1;
  }

  /**
   * Images per micro-batch on each thread: the size asked for (checked against the backend's limit) or the
   * largest its memory allows. Known once a backend is active, so worked out once, at first use.
   */
  imagesPerMicroBatch(): number {
    return (this.#microBatchLimit ??= largestMicroBatch(this.model.encoder, this.model.config.imageSize, this.plan.microBatchSize));
  }

  /** The micro-batches each thread's share of a batch of `images` trains in (their sizes). */
  microBatchesPerThread(images: number): number[] {
    return microBatchSizes(Math.ceil(images / this.threadsFor(images)), this.imagesPerMicroBatch());
  }

  strategyFor(images: number): StepStrategy {
    if (this.threadsFor(images) > 1) return (this.#twoThreads ??= new TwoThreads(this.model, this.imagesPerMicroBatch()));
    return (this.#oneThread ??= new OneThread(this.model, this.imagesPerMicroBatch()));
  }

  peerState(): ReturnType<TwoThreads['peerState']> {
    return this.#twoThreads?.peerState() ?? Promise.resolve(null);
  }

  dispose(): void {
    this.#twoThreads?.close();
  }
}
