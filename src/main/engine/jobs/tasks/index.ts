import type { WorkerKind } from '../protocol';
import { embedTask } from './embed';
import { exportTask } from './export';
import { finetuneTask } from './finetune';
import { pretrainTask } from './pretrain';
import type { Task } from './task';

export const tasks: Record<WorkerKind, Task> = {
  pretrain: pretrainTask,
  embed: embedTask,
  finetune: finetuneTask,
  export: exportTask,
};
