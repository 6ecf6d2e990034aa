/**
 * SimCLR model: encoder f and projection head g trained with NT-Xent on two augmented views per image.
 * What it saves and restores to resume exactly is in checkpoint.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../../shared/contract';
import { resizeBatch, twoViews, type AugmentOptions } from './augment';
import { buildEncoder, representationDim } from './encoder';
import { buildProjectionHead } from './head';
import type { ViewPair } from '../training/micro-batch';
import { createOptimizer, setLearningRate, type OptimizerKind } from './optimizer';
import { StepPlanner, type StepPlan } from '../training/step-strategies';
import { phase } from '../training/step-profile';
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
export type RunOptions = StepPlan;

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
  /** How each step runs: on one thread in micro-batches, or split with a peer thread. */
  readonly planner: StepPlanner;

  private constructor(
    readonly config: SimclrConfig,
    readonly encoder: tf.LayersModel,
    readonly head: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly rng: Rng,
    runOptions: RunOptions,
  ) {
    this.planner = new StepPlanner(this, runOptions);
  }

  /** A fresh model; initial weights and augmentations follow config.seed. */
  static create(config: Partial<SimclrConfig> & Pick<SimclrConfig, 'encoder' | 'imageSize'> & RunOptions & { fusedOptimizer?: boolean }): SimclrModel {
    const { workers = 1, microBatchSize, fusedOptimizer, ...rest } = config;
    const full: SimclrConfig = { ...defaults, ...rest };
    const encoder = buildEncoder(full.encoder, full.imageSize, full.seed);
    const head = buildProjectionHead(representationDim(full.encoder), full.projectionDim, full.seed + 1000);
    return new SimclrModel(full, encoder, head, createOptimizer(full.optimizer, full.learningRate, fusedOptimizer), new Rng(full.seed), { workers, microBatchSize });
  }

  /** A model from a checkpoint's parts, which it then owns. */
  static restore({ config, encoder, head, optimizer, rng, step, epoch }: SimclrParts, runOptions: RunOptions = {}): SimclrModel {
    const model = new SimclrModel(config, encoder, head, optimizer, rng, runOptions);
    model.step = step;
    model.epoch = epoch;
    return model;
  }

  /** Images per micro-batch on each thread (see StepPlanner). */
  imagesPerMicroBatch(): number {
    return this.planner.imagesPerMicroBatch();
  }

  /** The micro-batches each thread's share of a batch of `images` trains in (their sizes). */
  microBatchesPerThread(images: number): number[] {
    return this.planner.microBatchesPerThread(images);
  }

  /**
   * One SimCLR step on a batch (float32 [B, H, W, 3] in [0, 1], any source size), given whole or in parts
   * (one tensor per micro-batch, for a batch too big to upload at once): two views → f → g → NT-Xent over all
   * 2B views → gradient step on f and g, run as the planner chooses. Returns the loss.
   */
  async trainStep(batch: tf.Tensor4D | tf.Tensor4D[], opts: TrainStepOptions = {}): Promise<number> {
    if (opts.learningRate !== undefined) setLearningRate(this.optimizer, opts.learningRate);
    const temperature = opts.temperature ?? this.config.temperature;
    const views: ViewPair[] = phase('augment', () => (Array.isArray(batch) ? batch : [batch]).map((part) => twoViews(part, this.config.imageSize, this.config.augment, this.rng)));
    const images = views.reduce((n, [view]) => n + view.shape[0], 0);
    try {
      const loss = await this.planner.strategyFor(images).step(views, temperature, opts.learningRate);
      this.step++;
      return loss;
    } finally {
      // Also when a step throws (a batch too big for the backend, say).
      tf.dispose(views.flat());
    }
  }

  /** The peer thread's weights and optimizer state (for tests: they must equal this model's). */
  peerState(): ReturnType<StepPlanner['peerState']> {
    return this.planner.peerState();
  }

  /** Representations h (inference mode, no augmentation) as a flat [B × d] array. */
  async embed(batch: tf.Tensor4D): Promise<Float32Array> {
    return readAndDispose(tf.tidy(() => this.encoder.predict(resizeBatch(batch, this.config.imageSize)) as tf.Tensor));
  }

  dispose(): void {
    this.planner.dispose();
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}
