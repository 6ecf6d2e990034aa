/** Messages between the engine and the worker process that runs one training job. */
import type { AnyJobMetrics, JobKind, JobResult } from '../../../shared/contract';

export type WorkerKind = Exclude<JobKind, 'import'>;

export type ToWorker =
  | { type: 'start'; kind: WorkerKind; projectDir: string; options: unknown; backend?: string }
  | { type: 'cancel' };

export interface ProgressUpdate<M = AnyJobMetrics> {
  fraction: number | null;
  phase: string;
  message: string;
  metrics: M;
  /** Keep this message in the run's log (phase changes and the job's end are kept anyway). */
  log?: boolean;
}

export type FromWorker =
  | ({ type: 'progress' } & ProgressUpdate)
  | { type: 'done'; result: JobResult; metrics: AnyJobMetrics; backend: string }
  | { type: 'cancelled'; metrics: AnyJobMetrics; backend: string }
  | { type: 'failed'; message: string };

/** The parent side of a worker process, whichever way it was started (Node child or Electron utility). */
export interface WorkerHandle {
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type WorkerLauncher = () => WorkerHandle;
