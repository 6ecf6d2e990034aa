/**
 * SimCLR model: encoder f and projection head g trained with NT-Xent on two augmented views per image,
 * plus checkpointing of everything needed to resume exactly (weights, optimizer state, step, RNG).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../shared/contract';
import { resizeBatch, twoViews, type AugmentOptions } from './augment';
import { buildEncoder, representationDim } from './encoder';
import { frugalVariableGrads } from './frugal-backprop';
import { applyTraining } from './frugal-forward';
import { buildProjectionHead } from './head';
import { ntXentLoss } from './loss';
import { createOptimizer, setLearningRate, withOptimizerWeights, type OptimizerKind } from './optimizer';
import { applySummedGradients, localGradients, splitBatch } from './parallel/data-parallel';
import { PeerLink } from './parallel/peer-link';
import { readAndDispose } from './read-tensor';
import { Rng } from './rng';
import { fileLoadHandler, fileSaveHandler, loadNamedTensors, saveNamedTensors } from './tfjs-files';

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
}

export interface TrainStepOptions {
  /** Learning rate for this step (e.g. from the schedule); unchanged when omitted. */
  learningRate?: number;
  temperature?: number;
}

/** Everything besides weights that a resumed run needs. */
interface CheckpointState {
  config: SimclrConfig;
  step: number;
  epoch: number;
  rng: ReturnType<Rng['getState']>;
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

  private constructor(
    readonly config: SimclrConfig,
    readonly encoder: tf.LayersModel,
    readonly head: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly rng: Rng,
    readonly workers: number,
  ) {}

  /** A fresh model; initial weights and augmentations follow config.seed. */
  static create(config: Partial<SimclrConfig> & Pick<SimclrConfig, 'encoder' | 'imageSize'> & RunOptions): SimclrModel {
    const { workers = 1, ...rest } = config;
    const full: SimclrConfig = { ...defaults, ...rest };
    const encoder = buildEncoder(full.encoder, full.imageSize, full.seed);
    const head = buildProjectionHead(representationDim(full.encoder), full.projectionDim, full.seed + 1000);
    return new SimclrModel(full, encoder, head, createOptimizer(full.optimizer, full.learningRate), new Rng(full.seed), workers);
  }

  private trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableWeights, ...this.head.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  /**
   * One SimCLR step on a batch (float32 [B, H, W, 3] in [0, 1], any source size): two views → f → g →
   * NT-Xent → gradient step on f and g. Returns the loss.
   */
  async trainStep(batch: tf.Tensor4D, opts: TrainStepOptions = {}): Promise<number> {
    if (opts.learningRate !== undefined) setLearningRate(this.optimizer, opts.learningRate);
    const temperature = opts.temperature ?? this.config.temperature;
    const [view1, view2] = twoViews(batch, this.config.imageSize, this.config.augment, this.rng);
    // The views go when the step ends, also when it throws (a batch too big for the backend, say).
    try {
      if (this.workers > 1 && batch.shape[0] >= 4 && tf.getBackend() === 'wasm') {
        return await this.trainStepWithPeer(view1, view2, temperature, opts.learningRate);
      }
      const { value, grads } = frugalVariableGrads(() => {
        // Both views in one pass: batch norm then normalises over all 2B views, like the paper's global BN.
        const h = applyTraining(this.encoder, tf.concat([view1, view2]));
        const z = applyTraining(this.head, h) as tf.Tensor2D;
        const [z1, z2] = tf.split(z, 2);
        return ntXentLoss(z1 as tf.Tensor2D, z2 as tf.Tensor2D, temperature);
      }, this.trainableVariables());
      tf.dispose([view1, view2]); // before the update, which needs memory of its own
      this.optimizer.applyGradients(grads);
      tf.dispose(grads);
      const loss = (await value.data())[0];
      value.dispose();
      this.step++;
      return loss;
    } finally {
      tf.dispose([view1, view2]);
    }
  }

  /** The step of trainStep with half the images on the peer thread; see parallel/data-parallel. */
  private async trainStepWithPeer(view1: tf.Tensor4D, view2: tf.Tensor4D, temperature: number, learningRate?: number): Promise<number> {
    this.peer ??= PeerLink.start(this.config, this);
    const peer = await this.peer;
    const split = splitBatch(view1.shape[0]);
    const [mine1, theirs1] = tf.split(view1, split);
    const [mine2, theirs2] = tf.split(view2, split);
    const theirs = [theirs1, theirs2].map((t) => t.dataSync() as Float32Array);
    const peerDone = peer.step(theirs[0], theirs[1], split, this.config.imageSize, temperature, learningRate);
    try {
      const { loss, grads } = localGradients(this, peer.exchange, mine1 as tf.Tensor4D, mine2 as tf.Tensor4D, split, temperature);
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

  /** Writes dir/encoder, dir/head (TensorFlow.js layers format), dir/optimizer.{json,bin}, dir/state.json. */
  async saveCheckpoint(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.encoder.save(fileSaveHandler(join(dir, 'encoder')));
    await this.head.save(fileSaveHandler(join(dir, 'head')));
    await withOptimizerWeights(this.optimizer, (weights) => saveNamedTensors(dir, 'optimizer', weights));
    const state: CheckpointState = { config: this.config, step: this.step, epoch: this.epoch, rng: this.rng.getState() };
    await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 2));
  }

  static async loadCheckpoint(dir: string, { workers = 1 }: RunOptions = {}): Promise<SimclrModel> {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
    const encoder = await tf.loadLayersModel(fileLoadHandler(join(dir, 'encoder')));
    const head = await tf.loadLayersModel(fileLoadHandler(join(dir, 'head')));
    const optimizer = createOptimizer(state.config.optimizer, state.config.learningRate);
    await optimizer.setWeights(await loadNamedTensors(dir, 'optimizer'));
    const rng = new Rng(state.config.seed);
    rng.setState(state.rng);
    const model = new SimclrModel(state.config, encoder, head, optimizer, rng, workers);
    model.step = state.step;
    model.epoch = state.epoch;
    return model;
  }

  dispose(): void {
    void this.peer?.then((peer) => peer.close()).catch(() => undefined);
    this.peer = null;
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}
