/**
 * SimCLR model: encoder f and projection head g trained with NT-Xent on two augmented views per image.
 * What it saves and restores to resume exactly is in checkpoint.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../../shared/contract';
import { resizeBatch, twoViews, type AugmentOptions } from './augment';
import { buildEncoder, representationDim } from './encoder';
import { largestMicroBatch } from '../training/batch-limits';
import { buildProjectionHead } from './head';
import { ntXentLoss } from './loss';
import { contrastiveGradients, microBatchSizes, splitViews, type ViewPair } from '../training/micro-batch';
import { createOptimizer, setLearningRate, type OptimizerKind } from './optimizer';
import { applySummedGradients, localGradients, splitBatch, trainableVariables, type HalfStep } from '../training/parallel/data-parallel';
import { PeerLink } from '../training/parallel/peer-link';
import { readAndDispose } from '../backends/read-tensor';
import { Rng } from '../rng';

export interface SimclrConfig {
  encoder: EncoderName;
  /** Side S of the square views the encoder sees. */
  imageSize: number;
  /** Output dimension of the projection head (128 in the paper). */
  projectionDim: number;
  optimizer: OptimizerKind;
  learningRate: number;
  /** NT-Xent temperature τ. */
  temperature: number;
  augment: AugmentOptions;
  seed: number;
}

/** How a model runs, as opposed to what it is (not saved in checkpoints). */
export interface RunOptions {
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

export interface TrainStepOptions {
  /** Learning rate for this step (e.g. from the schedule); unchanged when omitted. */
  learningRate?: number;
  temperature?: number;
}

/** A model's parts as a checkpoint holds them (see checkpoint.ts). */
export interface SimclrParts {
  config: SimclrConfig;
  encoder: tf.LayersModel;
  head: tf.LayersModel;
  optimizer: tf.Optimizer;
  rng: Rng;
  step: number;
  epoch: number;
}

const defaults: Omit<SimclrConfig, 'encoder' | 'imageSize'> = {
  projectionDim: 128,
  optimizer: 'adam',
  learningRate: 1e-3,
  temperature: 0.2,
  augment: {},
  seed: 1,
};

export class SimclrModel {
  step = 0;
  epoch = 0;
  private peer: Promise<PeerLink> | null = null;
  /** Images per micro-batch, once the backend is known (imagesPerMicroBatch). */
  private microBatchLimit: number | undefined;

  private constructor(
    readonly config: SimclrConfig,
    readonly encoder: tf.LayersModel,
    readonly head: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly rng: Rng,
    readonly workers: number,
    private readonly requestedMicroBatch?: number,
  ) {}

  /** A fresh model; initial weights and augmentations follow config.seed. */
  static create(config: Partial<SimclrConfig> & Pick<SimclrConfig, 'encoder' | 'imageSize'> & RunOptions): SimclrModel {
    const { workers = 1, microBatchSize, ...rest } = config;
    const full: SimclrConfig = { ...defaults, ...rest };
    const encoder = buildEncoder(full.encoder, full.imageSize, full.seed);
    const head = buildProjectionHead(representationDim(full.encoder), full.projectionDim, full.seed + 1000);
    return new SimclrModel(full, encoder, head, createOptimizer(full.optimizer, full.learningRate), new Rng(full.seed), workers, microBatchSize);
  }

  /** A model from a checkpoint's parts, which it then owns. */
  static restore({ config, encoder, head, optimizer, rng, step, epoch }: SimclrParts, { workers = 1, microBatchSize }: RunOptions = {}): SimclrModel {
    const model = new SimclrModel(config, encoder, head, optimizer, rng, workers, microBatchSize);
    model.step = step;
    model.epoch = epoch;
    return model;
  }

  /** Threads a step over this many images runs on: the peer joins on wasm only, and only for 4 images or more. */
  threadsFor(images: number): number {
    return this.workers > 1 && images >= 4 && tf.getBackend() === 'wasm' ? 2 : 1;
  }

  /**
   * Images per micro-batch on each thread: the size asked for (checked against the backend's limit) or the
   * largest its memory allows. Known once a backend is active, so worked out once, at first use.
   */
  imagesPerMicroBatch(): number {
    return (this.microBatchLimit ??= largestMicroBatch(this.encoder, this.config.imageSize, this.requestedMicroBatch));
  }

  /** The micro-batches each thread's share of a batch of `images` trains in (their sizes). */
  microBatchesPerThread(images: number): number[] {
    return microBatchSizes(Math.ceil(images / this.threadsFor(images)), this.imagesPerMicroBatch());
  }

  /**
   * One SimCLR step on a batch (float32 [B, H, W, 3] in [0, 1], any source size), given whole or in parts
   * (one tensor per micro-batch, for a batch too big to upload at once): two views → f → g → NT-Xent over all
   * 2B views → gradient step on f and g. Returns the loss.
   */
  async trainStep(batch: tf.Tensor4D | tf.Tensor4D[], opts: TrainStepOptions = {}): Promise<number> {
    if (opts.learningRate !== undefined) setLearningRate(this.optimizer, opts.learningRate);
    const temperature = opts.temperature ?? this.config.temperature;
    const pairs = (Array.isArray(batch) ? batch : [batch]).map((part) => twoViews(part, this.config.imageSize, this.config.augment, this.rng));
    const images = pairs.reduce((n, [views]) => n + views.shape[0], 0);
    // The views this step makes go when it ends, also when it throws (a batch too big for the backend, say).
    const made: tf.Tensor[] = pairs.flat();
    try {
      if (this.threadsFor(images) > 1) {
        const [view1, view2] = pairs.length === 1 ? pairs[0] : [0, 1].map((v) => tf.concat(pairs.map((pair) => pair[v])));
        made.push(view1, view2);
        return await this.trainStepWithPeer(view1, view2, temperature, opts.learningRate);
      }
      const microBatches = pairs.flatMap((pair) => splitViews(pair, this.imagesPerMicroBatch()));
      made.push(...microBatches.flat());
      const { value, grads } = contrastiveGradients(this, trainableVariables(this), microBatches, (z1, z2) => ntXentLoss(z1, z2, temperature));
      tf.dispose(made); // before the update, which needs memory of its own
      this.optimizer.applyGradients(grads);
      tf.dispose(grads);
      const loss = (await value.data())[0];
      value.dispose();
      this.step++;
      return loss;
    } finally {
      tf.dispose(made);
    }
  }

  /** The step of trainStep with half the images on the peer thread; see parallel/data-parallel. */
  private async trainStepWithPeer(view1: tf.Tensor4D, view2: tf.Tensor4D, temperature: number, learningRate?: number): Promise<number> {
    this.peer ??= PeerLink.start(this.config, this);
    const peer = await this.peer;
    const half: HalfStep = { split: splitBatch(view1.shape[0]), temperature, microBatch: this.imagesPerMicroBatch() };
    const [mine1, theirs1] = tf.split(view1, half.split);
    const [mine2, theirs2] = tf.split(view2, half.split);
    const theirs = [theirs1, theirs2].map((t) => t.dataSync() as Float32Array);
    const peerDone = peer.step(theirs[0], theirs[1], { ...half, imageSize: this.config.imageSize, learningRate });
    try {
      const { loss, grads } = localGradients(this, peer.exchange, [mine1, mine2] as ViewPair, half);
      applySummedGradients(this, peer.exchange, grads);
      await peerDone;
      this.step++;
      return loss;
    } catch (err) {
      // The peer's own error says more than this side's "the other worker failed".
      await peerDone;
      throw err;
    } finally {
      tf.dispose([mine1, mine2, theirs1, theirs2]);
    }
  }

  /** The peer thread's weights and optimizer state (for tests: they must equal this model's). */
  async peerState(): Promise<Awaited<ReturnType<PeerLink['state']>> | null> {
    return this.peer ? (await this.peer).state() : null;
  }

  /** Representations h (inference mode, no augmentation) as a flat [B × d] array. */
  async embed(batch: tf.Tensor4D): Promise<Float32Array> {
    return readAndDispose(tf.tidy(() => this.encoder.predict(resizeBatch(batch, this.config.imageSize)) as tf.Tensor));
  }

  dispose(): void {
    void this.peer?.then((peer) => peer.close()).catch(() => undefined);
    this.peer = null;
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}
