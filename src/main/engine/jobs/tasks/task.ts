import type { JobResult } from '../../../../shared/contract';
import type { ProjectStore } from '../../store/project-store';
import type { ProgressUpdate } from '../protocol';

export interface TaskContext {
  store: ProjectStore;
  /** Unparsed: each task checks its own options with the contract's schema. */
  options: unknown;
  backend: string;
  signal: AbortSignal;
  report: (update: ProgressUpdate) => void;
}

export interface TaskOutcome<R extends JobResult = JobResult> {
  result: R;
  metrics: Record<string, number>;
}

export type Task<R extends JobResult = JobResult> = (context: TaskContext) => Promise<TaskOutcome<R>>;
