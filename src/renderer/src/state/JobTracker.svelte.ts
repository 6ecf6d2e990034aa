import type { JobKind, JobSnapshot, JobSnapshotOf, ProjectStatus } from '../../../shared/contract';

/** The last job of each kind seen this session, as events and status refreshes report them. */
export class JobTracker {
  #jobs = $state.raw<{ [K in JobKind]?: JobSnapshotOf<K> }>({});

  readonly active = $derived(
    Object.values(this.#jobs)
      .filter((job) => job.state === 'running')
      .sort((a, b) => b.startedAt - a.startedAt)[0] ?? null,
  );

  /** The job of this kind seen most recently this session (running or finished). */
  last<K extends JobKind>(kind: K): JobSnapshotOf<K> | null {
    return (this.#jobs[kind] as JobSnapshotOf<K> | undefined) ?? null;
  }

  isRunning(kind?: JobKind): boolean {
    return kind ? this.#jobs[kind]?.state === 'running' : this.active !== null;
  }

  /**
   * Takes a snapshot in; says whether it starts a new run of its kind, or null when it is stale (a late
   * "running" reply, e.g. a start command's, must not revive a job that already ended).
   */
  see(job: JobSnapshot): { newRun: boolean } | null {
    const known = this.#jobs[job.kind];
    if (known && known.id === job.id && known.state !== 'running') return null;
    this.#jobs = { ...this.#jobs, [job.kind]: job };
    return { newRun: known?.id !== job.id };
  }

  /** A job we still think runs, that the engine no longer reports, ended while events could not reach us. */
  settleLost(status: ProjectStatus, askedAt: number) {
    for (const job of Object.values(this.#jobs)) {
      if (job.state !== 'running' || job.startedAt > askedAt - 5000) continue;
      const run = status.runs
        .filter((r) => r.kind === job.kind)
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
        .at(-1);
      const state = run?.finishedAt ? run.state : 'cancelled';
      this.#jobs = { ...this.#jobs, [job.kind]: { ...job, state: state === 'running' ? 'cancelled' : state } };
    }
  }

  clear() {
    this.#jobs = {};
  }
}
