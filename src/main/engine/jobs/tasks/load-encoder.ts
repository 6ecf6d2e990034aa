/** The pretrained encoder f (and head g) from the last pretraining checkpoint, for embedding and fine-tuning. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../../shared/contract';
import { fileLoadHandler } from '../../ml/tfjs-files';
import type { ProjectStore } from '../../store/project-store';

export function loadPretrainedEncoder(store: ProjectStore): Promise<tf.LayersModel> {
  return loadCheckpointPart(store, 'encoder');
}

/** The projection head g saved with the same checkpoint; SimCLRv2-style fine-tuning keeps its first layer. */
export function loadPretrainedHead(store: ProjectStore): Promise<tf.LayersModel> {
  return loadCheckpointPart(store, 'head');
}

async function loadCheckpointPart(store: ProjectStore, part: 'encoder' | 'head'): Promise<tf.LayersModel> {
  const dir = join(store.layout.pretrainCheckpoint, part);
  if (!existsSync(join(dir, 'model.json'))) throw new StudioError('There is no pretrained encoder yet; run pretraining first');
  return tf.loadLayersModel(fileLoadHandler(dir));
}

export function modelInputSize(model: tf.LayersModel): number {
  return model.inputs[0].shape[1] as number;
}
