import type { JobMetricsOf, JobResults } from '../../../../shared/contract';
import type { ProjectStore } from '../../store/project-store';
import type { ProgressUpdate, WorkerKind } from '../protocol';

/** What a task of kind K is given: its project, its options, and a way to report its own kind's metrics. */
export interface TaskContext<K extends WorkerKind = WorkerKind> {
  store: ProjectStore;
  /** Unparsed: each task checks its own options with the contract's schema. */
  options: unknown;
  backend: string;
  signal: AbortSignal;
  report: (update: ProgressUpdate<JobMetricsOf<K>>) => void;
}

export interface TaskOutcome<K extends WorkerKind> {
  result: JobResults[K];
  metrics: JobMetricsOf<K>;
}

export type Task<K extends WorkerKind> = (context: TaskContext<K>) => Promise<TaskOutcome<K>>;
