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
import { buildProjectionHead } from './head';
import { ntXentLoss } from './loss';
import { createOptimizer, setLearningRate, type OptimizerKind } from './optimizer';
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

  private constructor(
    readonly config: SimclrConfig,
    readonly encoder: tf.LayersModel,
    readonly head: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly rng: Rng,
  ) {}

  /** A fresh model; initial weights and augmentations follow config.seed. */
  static create(config: Partial<SimclrConfig> & Pick<SimclrConfig, 'encoder' | 'imageSize'>): SimclrModel {
    const full = { ...defaults, ...config };
    const encoder = buildEncoder(full.encoder, full.imageSize, full.seed);
    const head = buildProjectionHead(representationDim(full.encoder), full.projectionDim, full.seed + 1000);
    return new SimclrModel(full, encoder, head, createOptimizer(full.optimizer, full.learningRate), new Rng(full.seed));
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
    const cost = this.optimizer.minimize(
      () => {
        // Both views in one pass: batch norm then normalises over all 2B views, like the paper's global BN.
        const h = this.encoder.apply(tf.concat([view1, view2]), { training: true }) as tf.Tensor2D;
        const z = this.head.apply(h, { training: true }) as tf.Tensor2D;
        const [z1, z2] = tf.split(z, 2);
        return ntXentLoss(z1 as tf.Tensor2D, z2 as tf.Tensor2D, temperature);
      },
      true,
      this.trainableVariables(),
    );
    tf.dispose([view1, view2]);
    const loss = (await cost!.data())[0];
    cost!.dispose();
    this.step++;
    return loss;
  }

  /** Representations h (inference mode, no augmentation) as a flat [B × d] array. */
  embed(batch: tf.Tensor4D): Float32Array {
    return tf.tidy(() => {
      const h = this.encoder.predict(resizeBatch(batch, this.config.imageSize)) as tf.Tensor;
      return h.dataSync() as Float32Array;
    });
  }

  /** Writes dir/encoder, dir/head (TensorFlow.js layers format), dir/optimizer.{json,bin}, dir/state.json. */
  async saveCheckpoint(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.encoder.save(fileSaveHandler(join(dir, 'encoder')));
    await this.head.save(fileSaveHandler(join(dir, 'head')));
    await saveNamedTensors(dir, 'optimizer', await this.optimizer.getWeights());
    const state: CheckpointState = { config: this.config, step: this.step, epoch: this.epoch, rng: this.rng.getState() };
    await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 2));
  }

  static async loadCheckpoint(dir: string): Promise<SimclrModel> {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
    const encoder = await tf.loadLayersModel(fileLoadHandler(join(dir, 'encoder')));
    const head = await tf.loadLayersModel(fileLoadHandler(join(dir, 'head')));
    const optimizer = createOptimizer(state.config.optimizer, state.config.learningRate);
    await optimizer.setWeights(await loadNamedTensors(dir, 'optimizer'));
    const rng = new Rng(state.config.seed);
    rng.setState(state.rng);
    const model = new SimclrModel(state.config, encoder, head, optimizer, rng);
    model.step = state.step;
    model.epoch = state.epoch;
    return model;
  }

  dispose(): void {
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}
