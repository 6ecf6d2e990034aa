/** The pretrained encoder f from the last pretraining checkpoint, for embedding and fine-tuning. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../../shared/contract';
import { fileLoadHandler } from '../../ml/tfjs-files';
import type { ProjectStore } from '../../store/project-store';

export async function loadPretrainedEncoder(store: ProjectStore): Promise<tf.LayersModel> {
  const dir = join(store.layout.pretrainCheckpoint, 'encoder');
  if (!existsSync(join(dir, 'model.json'))) throw new StudioError('There is no pretrained encoder yet; run pretraining first');
  return tf.loadLayersModel(fileLoadHandler(dir));
}

export function modelInputSize(model: tf.LayersModel): number {
  return model.inputs[0].shape[1] as number;
}
