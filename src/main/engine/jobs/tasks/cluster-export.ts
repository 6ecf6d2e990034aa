/**
 * Writes a pretraining job for PyTorch: every image at the training resolution as uint8 .npy shards, a manifest
 * tying each row to the project's image id and content hash, job.json with the run's exact settings (the
 * resolved pretraining options, the encoder's architecture, the augmentation ranges), the starting weights and
 * the trainer (resources/cluster). Staged like an export, so a failed or cancelled one leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError, clusterExportOptionsSchema, type ClusterInitialWeights, type ExportedFile, type ResolvedPretrainOptions } from '../../../../shared/contract';
import { jobReadme, singleMachineCommand } from '../../cluster/job-readme';
import { safetensorsBytes } from '../../cluster/safetensors';
import { torchStateOf } from '../../cluster/torch-layout';
import { copyTrainer } from '../../cluster/trainer-files';
import { chunk } from '../../data/batches';
import { appVersion } from '../../export/model-files';
import { npyHeader } from '../../export/npy';
import { describeWriteError, stageFolder } from '../../export/staging';
import { resolveAugmentOptions } from '../../ml/model/augment';
import { encoderArchitecture } from '../../ml/model/encoder';
import { SimclrModel } from '../../ml/model/simclr';
import { simclrConfigOf, resolvePretrainOptions } from '../../ml/training/presets';
import { toCsv } from '../../store/csv';
import type { ProjectStore } from '../../store/project-store';
import { buildCacheWithProgress } from './build-cache';
import { loadPretrainedEncoder, loadPretrainedHead, modelInputSize } from './load-encoder';
import type { Task } from './task';

/** About 256 MB per shard: large enough to read fast, small enough to copy and checksum one at a time. */
const shardBytes = 256 * 1024 * 1024;

/** What encoder.safetensors files carry besides the weights, the trainer's and the app's alike. */
export function encoderMetadata(fields: { jobId: string; encoder: string; imageSize: number; projectionDim: number; step: number; epoch: number; trainer: string }): Record<string, string> {
  return { format: 'simclr-studio-encoder', version: '1', loss: '', ...Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)])) };
}

/** The encoder and head the job starts from: the seed's fresh weights (as an in-app run), or the project's own. */
async function initialModels(store: ProjectStore, options: ResolvedPretrainOptions, from: ClusterInitialWeights): Promise<{ encoder: tf.LayersModel; head: tf.LayersModel }> {
  if (from === 'fresh') {
    const model = SimclrModel.create(simclrConfigOf(options));
    model.optimizer.dispose();
    return { encoder: model.encoder, head: model.head };
  }
  const [encoder, head] = await Promise.all([loadPretrainedEncoder(store), loadPretrainedHead(store)]);
  const name = encoder.name.replace(/^encoder_/, '');
  if (name !== options.encoder || modelInputSize(encoder) !== options.imageSize) {
    encoder.dispose();
    head.dispose();
    throw new StudioError(`The project's encoder is ${name} at ${modelInputSize(encoder)} px but the job asks for ${options.encoder} at ${options.imageSize} px: ask for the same, or start from fresh weights`);
  }
  return { encoder, head };
}

export const clusterExportTask: Task<'clusterExport'> = async (context) => {
  const { store, report, signal, backend } = context;
  const { outDir, initialWeights, replace, ...pretrain } = clusterExportOptionsSchema.parse(context.options);
  const options = resolvePretrainOptions(pretrain, backend);
  const side = options.imageSize;
  const target = resolve(outDir);
  const stage = await stageFolder(target, replace);
  const files: ExportedFile[] = [];
  const record = async (path: string, description: string) => files.push({ path, bytes: (await stat(join(stage.dir, path))).size, description });
  try {
    const cache = await buildCacheWithProgress(context, side);
    const imageIds = cache.imageIds();
    if (imageIds.length < 2) throw new StudioError('A pretraining job needs at least two readable images');

    const perShard = Math.max(1, Math.floor(shardBytes / (side * side * 3)));
    const shards: { file: string; images: number }[] = [];
    const manifest: string[][] = [];
    const paths = store.images.paths(imageIds);
    const hashes = store.images.hashes(imageIds);
    await mkdir(join(stage.dir, 'shards'));
    for (const part of chunk(imageIds, perShard)) {
      const file = `shards/shard-${String(shards.length).padStart(5, '0')}.npy`;
      const firstRow = manifest.length;
      const handle = await open(join(stage.dir, file), 'w');
      try {
        await handle.write(npyHeader('uint8', [part.length, side, side, 3]));
        for (const ids of chunk(part, 512)) {
          signal.throwIfAborted();
          await handle.write(cache.read(ids));
          const done = manifest.length + ids.length;
          for (const id of ids) manifest.push([String(manifest.length), String(id), hashes.get(id)!, paths.get(id)!, String(shards.length), String(manifest.length - firstRow)]);
          report({ fraction: 0.1 + (0.8 * done) / imageIds.length, phase: 'writing', message: `Image shards: ${done} / ${imageIds.length} images`, metrics: { images: done, shards: shards.length + 1 } });
        }
      } finally {
        await handle.close();
      }
      shards.push({ file, images: part.length });
      await record(file, `images ${firstRow}–${manifest.length - 1}, uint8 [${part.length}, ${side}, ${side}, 3]`);
    }
    await writeFile(join(stage.dir, 'manifest.csv'), toCsv(['row', 'image_id', 'content_hash', 'path', 'shard', 'index'], manifest));
    await record('manifest.csv', "each row's image id and content hash (SHA-256) in the project, its path, shard and index");

    signal.throwIfAborted();
    const jobId = randomUUID();
    const { encoder, head } = await initialModels(store, options, initialWeights);
    const projectionDim = head.outputs[0]!.shape[1] as number;
    try {
      const state = new Map([...(await torchStateOf(encoder, 'encoder.')), ...(await torchStateOf(head, 'head.'))]);
      const metadata = encoderMetadata({ jobId, encoder: options.encoder, imageSize: side, projectionDim, step: 0, epoch: 0, trainer: `SimCLR Studio ${appVersion} (${initialWeights === 'fresh' ? 'fresh weights' : "the project's encoder"})` });
      await writeFile(join(stage.dir, 'init.safetensors'), safetensorsBytes(state, metadata));
    } finally {
      encoder.dispose();
      head.dispose();
    }
    await record('init.safetensors', `starting weights of the encoder and head (${initialWeights === 'fresh' ? `fresh, seed ${options.seed}` : "the project's pretrained encoder"}), a PyTorch state dict`);

    const config = {
      jobId,
      options,
      architecture: encoderArchitecture(options.encoder, side),
      projectionDim,
      augment: resolveAugmentOptions(simclrConfigOf(options).augment, side),
    };
    const job = { format: 'simclr-studio-job', version: 1, jobId, createdAt: new Date().toISOString(), app: appVersion, project: store.layout.dir, images: imageIds.length, shards, config };
    await writeFile(join(stage.dir, 'job.json'), JSON.stringify(job, null, 2));
    await record('job.json', "the run's exact settings and the shard list");
    await writeFile(join(stage.dir, 'README.md'), jobReadme({ jobId, images: imageIds.length, shards: shards.length, options, project: store.layout.dir }));
    await record('README.md', 'what is here and the commands that train and import it');
    for (const file of await copyTrainer(stage.dir)) await record(file, file === 'train.py' ? 'the trainer: torchrun --nproc_per_node=N train.py' : "the trainer's model, augmentation, loss, LARS and data");

    signal.throwIfAborted();
    await stage.commit();
    const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
    return {
      result: { dir: target, jobId, images: imageIds.length, shards: shards.length, options, initialWeights, command: singleMachineCommand, files: files.map((f) => ({ ...f, path: join(target, f.path) })) },
      metrics: { images: imageIds.length, shards: shards.length, bytes },
    };
  } catch (error) {
    await stage.discard();
    throw (error as { code?: unknown }).code ? describeWriteError(target, error) : error;
  }
};
