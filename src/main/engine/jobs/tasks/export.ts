/** Copies the fine-tuned classifier out of the project with the labels and predictions as CSV. */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StudioError, exportOptionsSchema } from '../../../../shared/contract';
import { labelsCsv, predictionsCsv } from '../../store/export-csv';
import { classifierFiles } from './classifier-artifacts';
import type { Task } from './task';

export const exportTask: Task<'export'> = async (context) => {
  const { store, report } = context;
  const { outDir } = exportOptionsSchema.parse(context.options);
  const source = store.layout.classifier;
  if (!existsSync(join(source, 'model.json'))) throw new StudioError('There is no fine-tuned classifier yet; fine-tune one first');
  const target = resolve(outDir);
  await mkdir(target, { recursive: true }).catch((error: Error) => {
    throw new StudioError(`${target}: cannot create the export folder (${error.message})`);
  });
  const files: string[] = [];
  for (const name of classifierFiles) {
    await copyFile(join(source, name), join(target, name));
    files.push(join(target, name));
  }
  report({ fraction: 0.7, phase: 'writing', message: 'Writing labels and predictions', metrics: {} });
  const labels = labelsCsv(store);
  await writeFile(join(target, 'labels.csv'), labels.text);
  const predictions = predictionsCsv(store);
  await writeFile(join(target, 'predictions.csv'), predictions.text);
  files.push(join(target, 'labels.csv'), join(target, 'predictions.csv'));
  return { result: { files }, metrics: { files: files.length, labels: labels.rows, predictions: predictions.rows } };
};
