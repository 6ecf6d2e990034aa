/**
 * Runs one long job at a time and reports it as JobSnapshots. Import runs here (sharp works off the event
 * loop); training, embedding, fine-tuning and export run in a worker process so the UI never stalls.
 */
import { randomUUID } from 'node:crypto';
import type { AnyJobMetrics, JobKind, JobResult, JobResults, JobSnapshot } from '../../../shared/contract';
import { StudioError } from '../../../shared/contract';
import type { ProjectStore } from '../store/project-store';
import type { ProgressUpdate, WorkerKind, WorkerLauncher } from './protocol';

/** How long a worker asked to cancel may take to stop by itself (writing its checkpoint) before it is killed. */
const defaultCancelGraceMs = 30_000;

interface ActiveJob {
  snapshot: JobSnapshot;
  /** The project the job's run is recorded in. */
  store: ProjectStore;
  cancel: () => void;
  resolveFinished: (snapshot: JobSnapshot) => void;
}

/** A run's log and loss curve are secondary: a full disk must not stop or break the job over them. */
function keepSecondary(write: () => void): void {
  try {
    write();
  } catch {
    // The job's own writes (checkpoints, results) report a full disk where it matters.
  }
}

export class JobRunner {
  #active: ActiveJob | null = null;
  readonly #finished = new Map<string, Promise<JobSnapshot>>();

  constructor(
    private readonly launchWorker: WorkerLauncher,
    private readonly forcedBackend: string | undefined,
    private readonly publish: (snapshot: JobSnapshot) => void,
    private readonly cancelGraceMs = defaultCancelGraceMs,
  ) {}

  get active(): JobSnapshot | null {
    return this.#active?.snapshot ?? null;
  }

  /** Resolves when the job ends (in any state); for the CLI, which waits where the UI listens. */
  waitFor(jobId: string): Promise<JobSnapshot> {
    const finished = this.#finished.get(jobId);
    if (!finished) throw new StudioError(`No job with id ${jobId}`);
    return finished;
  }

  cancel(jobId: string): boolean {
    if (this.#active?.snapshot.id !== jobId) return false;
    this.#active.cancel();
    return true;
  }

  /** Runs `work` in this process; it reports progress and watches the signal to stop early. */
  runInProcess<K extends JobKind>(
    store: ProjectStore,
    kind: K,
    options: Record<string, unknown>,
    work: (report: (update: ProgressUpdate) => void, signal: AbortSignal) => Promise<JobResults[K]>,
  ): JobSnapshot {
    const controller = new AbortController();
    return this.#start(store, kind, options, () => controller.abort(), (job) => {
      work((update) => this.#progress(job, update), controller.signal).then(
        (result) => this.#end(store, job, controller.signal.aborted ? 'cancelled' : 'done', { result }),
        (error: unknown) =>
          this.#end(store, job, controller.signal.aborted ? 'cancelled' : 'failed', { error: (error as Error).message }),
      );
    });
  }

  /** Runs a job in a fresh worker process. */
  runInWorker(store: ProjectStore, kind: WorkerKind, options: Record<string, unknown>): JobSnapshot {
    this.#refuseIfBusy(); // before launching, so a refused job leaves no idle process behind
    const worker = this.launchWorker();
    let ended = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      cancelled = true;
      worker.send({ type: 'cancel' });
      killTimer = setTimeout(() => worker.kill(), this.cancelGraceMs);
    };
    return this.#start(store, kind, options, cancel, (job) => {
      worker.onMessage((message) => {
        if (message.type === 'progress') return this.#progress(job, message);
        ended = true;
        clearTimeout(killTimer);
        if (message.type === 'done') this.#end(store, job, 'done', { result: message.result, metrics: message.metrics, backend: message.backend });
        else if (message.type === 'cancelled') this.#end(store, job, 'cancelled', { metrics: message.metrics, backend: message.backend });
        else this.#end(store, job, 'failed', { error: message.message });
      });
      worker.onExit((code) => {
        clearTimeout(killTimer);
        // A worker busy where it cannot stop on request (reading images, say) is killed after the grace period:
        // the user cancelled it, and that is what the run says.
        if (ended) return;
        if (cancelled) this.#end(store, job, 'cancelled', {});
        else this.#end(store, job, 'failed', { error: `The ${kind} worker stopped unexpectedly (exit code ${code})` });
      });
      worker.send({ type: 'start', kind, projectDir: store.layout.dir, options, backend: this.forcedBackend });
    });
  }

  #start(
    store: ProjectStore,
    kind: JobKind,
    options: Record<string, unknown>,
    cancel: () => void,
    begin: (job: ActiveJob) => void,
  ): JobSnapshot {
    this.#refuseIfBusy();
    let resolveFinished!: (snapshot: JobSnapshot) => void;
    const finished = new Promise<JobSnapshot>((resolve) => (resolveFinished = resolve));
    const snapshot: JobSnapshot = {
      id: randomUUID(),
      kind,
      state: 'running',
      fraction: 0,
      phase: 'starting',
      message: `Starting ${kind}`,
      metrics: {},
      startedAt: Date.now(),
      runId: store.runs.start(kind, options),
    };
    const job: ActiveJob = { snapshot, store, cancel, resolveFinished };
    this.#active = job;
    this.#finished.set(snapshot.id, finished);
    this.publish(snapshot);
    begin(job);
    return snapshot;
  }

  #refuseIfBusy(): void {
    if (this.#active) {
      throw new StudioError(`A ${this.#active.snapshot.kind} job is already running; wait for it or cancel it first`);
    }
  }

  #progress(job: ActiveJob, update: ProgressUpdate): void {
    const { fraction, phase, message, metrics } = update;
    const previous = job.snapshot;
    // The worker reports its own kind's metrics (tasks/index.ts types each), so kind and metrics agree.
    job.snapshot = { ...previous, fraction, phase, message, metrics: { ...previous.metrics, ...metrics } } as JobSnapshot;
    this.#keep(job, previous, update);
    this.publish(job.snapshot);
  }

  /** What outlives the job in the project: its log lines and the loss after each step. */
  #keep(job: ActiveJob, previous: JobSnapshot, update: ProgressUpdate): void {
    if (update.log || update.phase !== previous.phase) keepSecondary(() => job.store.runs.appendLog(job.snapshot.runId, update.message));
    const { step, epoch, loss } = update.metrics;
    const previousStep = 'step' in previous.metrics ? previous.metrics.step : undefined;
    if (step !== undefined && loss !== undefined && Number.isFinite(loss) && step !== previousStep) {
      keepSecondary(() => job.store.runs.appendLoss(job.snapshot.runId, { step, epoch: epoch ?? 0, loss }));
    }
  }

  #end(
    store: ProjectStore,
    job: ActiveJob,
    state: 'done' | 'failed' | 'cancelled',
    outcome: { result?: JobResult; error?: string; metrics?: AnyJobMetrics; backend?: string },
  ): void {
    const metrics = { ...job.snapshot.metrics, ...outcome.metrics };
    const message = { done: `${job.snapshot.kind} finished`, cancelled: `${job.snapshot.kind} cancelled`, failed: outcome.error ?? 'failed' }[state];
    job.snapshot = {
      ...job.snapshot,
      state,
      fraction: state === 'done' ? 1 : job.snapshot.fraction,
      phase: state,
      message,
      metrics,
      result: outcome.result,
      error: outcome.error,
      // A job's task returns its own kind's result and metrics (tasks/index.ts types each), so they agree.
    } as JobSnapshot;
    try {
      store.runs.finish(job.snapshot.runId, state, metrics, outcome.backend ?? null, outcome.result);
    } catch (error) {
      // A full disk can refuse even this; the job has still ended, and the next open marks its run interrupted.
      job.snapshot.message += ` (its run could not be recorded: ${(error as Error).message})`;
    }
    // After the run's state, which matters more where the disk has room for one write only.
    keepSecondary(() => store.runs.appendLog(job.snapshot.runId, message));
    this.#active = null;
    this.publish(job.snapshot);
    job.resolveFinished(job.snapshot);
  }
}
