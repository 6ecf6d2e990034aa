/**
 * Where each part of a pretraining checkpoint lives, for code that must not load TensorFlow (the engine
 * process asks whether there is an encoder); checkpoint.ts reads and writes them.
 *   encoder/  f, TensorFlow.js layers format (model.json + weights.bin), what embedding and fine-tuning load
 *   head/     the projection head g, same format
 *   optimizer.json + optimizer.bin   the optimizer's state
 *   state.json   { version, config, step, epoch, rng }: with the above, enough to resume the exact run
 *   run.json     the job's record (resolved options, loss curve, schedule position); written last
 *   imported-from.json   instead of optimizer, state and run: where an imported encoder came from (a cluster job)
 * A checkpoint is written to `<dir>.next` and swapped in, so a kill mid-write never leaves a broken one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The layout's version; state.json from before the field existed is version 1, the same layout. */
export const checkpointVersion = 1;

export const checkpointFiles = { encoder: 'encoder', head: 'head', optimizer: 'optimizer', state: 'state.json', run: 'run.json', importedFrom: 'imported-from.json' } as const;

/** Where an encoder trained outside the app came from, as the import job records it. */
export interface ImportRecord {
  path: string;
  jobId: string;
  encoder: string;
  imageSize: number;
  step: number;
  epoch: number;
  loss: number | null;
  trainer: string;
  importedAt: string;
}

/** The import's record when the encoder in dir was imported rather than trained here; null otherwise. */
export function readImportRecord(dir: string): ImportRecord | null {
  const path = join(dir, checkpointFiles.importedFrom);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ImportRecord) : null;
}

/** Where a checkpoint is written before it is swapped in. */
export const nextCheckpointDir = (dir: string) => `${dir}.next`;

/** Whether dir holds a checkpoint a run can resume from. */
export const hasCheckpoint = (dir: string) => existsSync(join(dir, checkpointFiles.state));

/** Digests already taken, by the encoder folder's file sizes and times: a large encoder is read once per save. */
const versions = new Map<string, { signature: string; version: string }>();

/**
 * The pretrained encoder's version: a digest of its files (architecture and weights), so a copied checkpoint
 * keeps its version and any save that changes a weight changes it. Null where there is no encoder.
 */
export function encoderVersion(dir: string): string | null {
  if (!hasPretrainedEncoder(dir)) return null;
  const folder = join(dir, checkpointFiles.encoder);
  const files = readdirSync(folder).sort();
  const signature = files
    .map((file) => {
      const { size, mtimeMs } = statSync(join(folder, file));
      return `${file}:${size}:${mtimeMs}`;
    })
    .join('|');
  const known = versions.get(folder);
  if (known?.signature === signature) return known.version;
  const digest = createHash('sha256');
  for (const file of files) digest.update(file).update(readFileSync(join(folder, file)));
  const version = digest.digest('hex').slice(0, 16);
  versions.set(folder, { signature, version });
  return version;
}

/** Whether dir holds a pretrained encoder to embed or fine-tune with. */
export const hasPretrainedEncoder = (dir: string) => existsSync(join(dir, checkpointFiles.encoder, 'model.json'));

/**
 * A kill between removing the old checkpoint and renaming the new one into place leaves only `<dir>.next`,
 * complete once its run.json (written last) is there: adopt it rather than start afresh.
 */
export async function finishInterruptedSwap(dir: string): Promise<void> {
  const next = nextCheckpointDir(dir);
  // run.json is a training checkpoint's last file, imported-from.json an import's.
  const complete = [checkpointFiles.run, checkpointFiles.importedFrom].some((file) => existsSync(join(next, file)));
  if (!existsSync(dir) && complete) await rename(next, dir);
}
