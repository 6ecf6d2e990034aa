/** The pretrained encoder f (and head g) from the last pretraining checkpoint, for embedding and fine-tuning. */
import type * as tf from '@tensorflow/tfjs';
import { readCheckpointPart } from '../../ml/files/checkpoint';
import type { ProjectStore } from '../../store/project-store';

export function loadPretrainedEncoder(store: ProjectStore): Promise<tf.LayersModel> {
  return readCheckpointPart(store.layout.pretrainCheckpoint, 'encoder');
}

/** The projection head g saved with the same checkpoint; SimCLRv2-style fine-tuning keeps its first layer. */
export function loadPretrainedHead(store: ProjectStore): Promise<tf.LayersModel> {
  return readCheckpointPart(store.layout.pretrainCheckpoint, 'head');
}

export function modelInputSize(model: tf.LayersModel): number {
  return model.inputs[0].shape[1] as number;
}
