/**
 * Reads and writes the pretraining checkpoint in the layout checkpoint-layout.ts sets out: the model with
 * its optimizer state, step, epoch and random stream, and the pretrain job's record beside it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError, type ResolvedPretrainOptions } from '../../../../shared/contract';
import { checkpointFiles as files, checkpointVersion, hasPretrainedEncoder, nextCheckpointDir, type ImportRecord } from './checkpoint-layout';
import { createOptimizer, withOptimizerWeights } from '../model/optimizer';
import { Rng } from '../rng';
import { SimclrModel, type RunOptions, type SimclrConfig } from '../model/simclr';
import { fileLoadHandler, fileSaveHandler, loadNamedTensors, saveNamedTensors } from './tfjs-files';

/** Everything besides weights that a resumed run needs. */
interface CheckpointState {
  version?: number;
  config: SimclrConfig;
  step: number;
  epoch: number;
  rng: ReturnType<Rng['getState']>;
}

/** What the pretrain job keeps beside the model: the resolved options (which fix the schedule) and the loss curve. */
export interface PretrainRunRecord {
  options: ResolvedPretrainOptions;
  /** Mean NT-Xent loss of each completed epoch, across resumes. */
  epochLosses: number[];
  /** Where the learning-rate schedule had got to (ahead of the steps where a time budget moved it on). */
  scheduleStep?: number;
}

/**
 * Writes the encoder and head, then what `writeRest` adds (its last file marks the copy complete for
 * finishInterruptedSwap), beside the live checkpoint, and swaps them in; a failed write leaves the old one.
 */
async function swapIn(dir: string, encoder: tf.LayersModel, head: tf.LayersModel, writeRest: (next: string) => Promise<void>): Promise<void> {
  const next = nextCheckpointDir(dir);
  await rm(next, { recursive: true, force: true });
  try {
    await mkdir(next, { recursive: true });
    await encoder.save(fileSaveHandler(join(next, files.encoder)));
    await head.save(fileSaveHandler(join(next, files.head)));
    await writeRest(next);
  } catch (error) {
    await rm(next, { recursive: true, force: true }); // frees what the partial copy took
    throw error;
  }
  await rm(dir, { recursive: true, force: true });
  await rename(next, dir);
}

/** The model with its optimizer state and the run's record: what a resumed run continues from. */
export async function writeCheckpoint(dir: string, model: SimclrModel, record: PretrainRunRecord): Promise<void> {
  await swapIn(dir, model.encoder, model.head, async (next) => {
    await withOptimizerWeights(model.optimizer, (weights) => saveNamedTensors(next, files.optimizer, weights));
    const state: CheckpointState = { version: checkpointVersion, config: model.config, step: model.step, epoch: model.epoch, rng: model.rng.getState() };
    await writeFile(join(next, files.state), JSON.stringify(state, null, 2));
    await writeFile(join(next, files.run), JSON.stringify(record, null, 2));
  });
}

/**
 * An encoder and head trained outside the app, with where they came from and nothing to resume: the whole
 * checkpoint is replaced, since the old optimizer state belongs to other weights.
 */
export async function writeImportedEncoder(dir: string, encoder: tf.LayersModel, head: tf.LayersModel, record: ImportRecord): Promise<void> {
  await swapIn(dir, encoder, head, (next) => writeFile(join(next, files.importedFrom), JSON.stringify(record, null, 2)));
}

async function readState(dir: string): Promise<CheckpointState> {
  const state = JSON.parse(await readFile(join(dir, files.state), 'utf8')) as CheckpointState;
  const version = state.version ?? 1;
  if (version > checkpointVersion) {
    throw new StudioError(`The checkpoint in ${dir} was written by a newer SimCLR Studio (layout version ${version}; this one reads up to ${checkpointVersion})`);
  }
  return state;
}

/** The model as it was checkpointed: weights, optimizer state, step, epoch and random stream. */
export async function readCheckpointModel(dir: string, runOptions: RunOptions = {}): Promise<SimclrModel> {
  const state = await readState(dir);
  const [encoder, head] = await Promise.all([readCheckpointPart(dir, 'encoder'), readCheckpointPart(dir, 'head')]);
  const optimizer = createOptimizer(state.config.optimizer, state.config.learningRate);
  await optimizer.setWeights(await loadNamedTensors(dir, files.optimizer));
  const rng = new Rng(state.config.seed);
  rng.setState(state.rng);
  return SimclrModel.restore({ config: state.config, encoder, head, optimizer, rng, step: state.step, epoch: state.epoch }, runOptions);
}

/** The run's record, or null for a checkpoint from before run.json. */
export async function readRunRecord(dir: string): Promise<PretrainRunRecord | null> {
  const path = join(dir, files.run);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as PretrainRunRecord) : null;
}

/** The encoder f or the head g alone. */
export async function readCheckpointPart(dir: string, part: 'encoder' | 'head'): Promise<tf.LayersModel> {
  if (!hasPretrainedEncoder(dir)) throw new StudioError('There is no pretrained encoder yet; run pretraining first');
  return tf.loadLayersModel(fileLoadHandler(join(dir, files[part])));
}
