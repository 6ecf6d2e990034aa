import type { WorkerKind } from '../protocol';
import { clusterExportTask } from './cluster-export';
import { embedTask } from './embed';
import { encoderImportTask } from './encoder-import';
import { exportTask } from './export';
import { finetuneTask } from './finetune';
import { predictImageTask } from './predict-image';
import { pretrainTask } from './pretrain';
import type { Task } from './task';

/** Each worker job's task, typed to report that kind's metrics and return its result. */
export const tasks: { [K in WorkerKind]: Task<K> } = {
  pretrain: pretrainTask,
  embed: embedTask,
  finetune: finetuneTask,
  export: exportTask,
  predict: predictImageTask,
  clusterExport: clusterExportTask,
  encoderImport: encoderImportTask,
};
