/**
 * Makes an encoder trained outside the app (the cluster job's run/encoder.safetensors) the project's pretrained
 * encoder: its PyTorch state dict is mapped onto the app's encoder and head and saved where a pretraining run
 * saves them. It replaces the in-app checkpoint as a whole (its optimizer state belongs to other weights), so
 * a later in-app pretraining run starts afresh rather than resuming.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StudioError, encoderImportOptionsSchema, encoderNames, type EncoderName } from '../../../../shared/contract';
import { parseSafetensors } from '../../cluster/safetensors';
import { loadTorchState } from '../../cluster/torch-layout';
import { writeImportedEncoder } from '../../ml/files/checkpoint';
import { buildEncoder, representationDim } from '../../ml/model/encoder';
import { buildProjectionHead } from '../../ml/model/head';
import type { Task } from './task';

export const encoderImportTask: Task<'encoderImport'> = async (context) => {
  const { store, report } = context;
  const path = resolve(encoderImportOptionsSchema.parse(context.options).path);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new StudioError(`${path}: cannot read it (${error.code === 'ENOENT' ? 'no such file' : error.message})`);
  });
  const { tensors, metadata } = parseSafetensors(bytes, path);
  if (metadata.format !== 'simclr-studio-encoder') throw new StudioError(`${path}: not an encoder from a SimCLR Studio job (its metadata has no format "simclr-studio-encoder"); import the run's encoder.safetensors`);
  const encoderName = metadata.encoder as EncoderName;
  if (!(encoderNames as readonly string[]).includes(encoderName)) throw new StudioError(`${path}: unknown encoder "${metadata.encoder}"`);
  const imageSize = Number(metadata.imageSize);
  const projectionDim = Number(metadata.projectionDim);
  if (!Number.isInteger(imageSize) || !Number.isInteger(projectionDim)) throw new StudioError(`${path}: its metadata lacks the image size or projection size`);
  report({ fraction: 0.2, phase: 'loading', message: `Mapping ${tensors.size} tensors onto ${encoderName} at ${imageSize} px`, metrics: {} });

  const encoder = buildEncoder(encoderName, imageSize);
  const head = buildProjectionHead(representationDim(encoderName), projectionDim);
  try {
    loadTorchState(encoder, 'encoder.', tensors, path);
    loadTorchState(head, 'head.', tensors, path);
    const step = Number(metadata.step) || 0;
    const epoch = Number(metadata.epoch) || 0;
    const loss = metadata.loss === '' || metadata.loss === undefined || Number.isNaN(Number(metadata.loss)) ? null : Number(metadata.loss);
    const result = { path, jobId: metadata.jobId ?? '', encoder: encoderName, imageSize, step, epoch, loss, trainer: metadata.trainer ?? 'unknown' };
    await writeImportedEncoder(store.layout.pretrainCheckpoint, encoder, head, { ...result, importedAt: new Date().toISOString() });
    report({ fraction: 1, phase: 'done', message: `Imported ${encoderName} (step ${step}) from ${path}`, metrics: { step, epoch, loss: loss ?? Number.NaN } });
    return { result, metrics: { step, epoch, loss: loss ?? Number.NaN } };
  } finally {
    encoder.dispose();
    head.dispose();
  }
};
