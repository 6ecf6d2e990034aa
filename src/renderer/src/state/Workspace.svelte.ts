import type { StudioClient } from '../../../shared/client';
import type { ClassInfo, JobKind, JobSnapshot, JobSnapshotOf, ProjectStatus, RunLossPoint } from '../../../shared/contract';
import { ChangeCounters, type ChangeKind, type Revisions } from './Revisions.svelte.ts';
import { JobTracker } from './JobTracker.svelte.ts';
import { LossCurve } from './LossCurve.svelte.ts';
import { Notices, type Notice, type NoticeTopic } from './Notices.svelte.ts';
import { stepProgress, type StepId } from './steps';

export type { Notice, NoticeTopic, Revisions };

const jobVerbs: Record<JobKind, string> = {
  import: 'Import',
  pretrain: 'Pretraining',
  embed: 'Embedding',
  finetune: 'Fine-tuning',
  export: 'Export',
  predict: 'Prediction',
  clusterExport: 'Cluster job export',
  encoderImport: 'Encoder import',
};

/**
 * What the whole UI knows about the open project, kept current by the engine's events: its status and classes
 * (here), the jobs seen this session (JobTracker) with the live loss curve (LossCurve), the change counters
 * views refetch by (ChangeCounters) and the notices (Notices); and which step is shown.
 */
export class Workspace {
  readonly #client: StudioClient;
  #status = $state.raw<ProjectStatus | null>(null);
  #classes = $state.raw<ClassInfo[]>([]);
  #loaded = $state(false);
  readonly #jobs = new JobTracker();
  readonly #loss = new LossCurve();
  readonly #changes = new ChangeCounters();
  readonly #notices = new Notices();
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshClasses = false;
  #unsubscribe: (() => void)[] = [];

  /** The step shown in the main area. */
  step = $state<StepId>('project');

  /** A grid filter another view asks the Label step to open with (e.g. a confusion-matrix cell); taken once. */
  requestedLabelFilter = $state<string | null>(null);

  /** Derived, so effects that only care whether a project is open do not rerun on every status refresh. */
  readonly hasProject = $derived(Boolean(this.#status?.project));

  readonly classById = $derived(new Map(this.#classes.map((c) => [c.id, c])));

  readonly labelledFraction = $derived(this.#status && this.#status.images > 0 ? this.#status.labelled / this.#status.images : 0);

  readonly stepProgress = $derived(stepProgress(this.#status, (kind) => this.#jobs.isRunning(kind)));

  constructor(client: StudioClient) {
    this.#client = client;
    this.#unsubscribe.push(
      client.on('job', (job) => this.#onJob(job)),
      client.on('projectChanged', ({ what }) => this.#onChanged(what)),
    );
    void this.refresh(true);
  }

  get client(): StudioClient {
    return this.#client;
  }
  get status(): ProjectStatus | null {
    return this.#status;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get classes(): ClassInfo[] {
    return this.#classes;
  }
  get notices(): Notice[] {
    return this.#notices.list;
  }
  /** The live pretraining job's loss after each step it reported this session. */
  get lossHistory(): RunLossPoint[] {
    return this.#loss.points;
  }
  /** Counters bumped by `projectChanged`; read one in an effect to refetch when that data changes. */
  get revisions(): Readonly<Revisions> {
    return this.#changes.counts;
  }
  get transportName(): string {
    return this.#client.transportName;
  }
  get activeJob(): JobSnapshot | null {
    return this.#jobs.active;
  }

  /** The job of this kind seen most recently this session (running or finished). */
  lastJob<K extends JobKind>(kind: K): JobSnapshotOf<K> | null {
    return this.#jobs.last(kind);
  }

  isRunning(kind?: JobKind): boolean {
    return this.#jobs.isRunning(kind);
  }

  imageUrl(imageId: number): string {
    return this.#client.imageUrl(imageId);
  }

  thumbnailUrl(imageId: number): string {
    return this.#client.thumbnailUrl(imageId);
  }

  navigate(step: StepId) {
    this.step = step;
  }

  /** The images last selected on the map, which the Label step's grid can show ("mapSelection"). */
  mapSelection = $state.raw<readonly number[] | null>(null);

  /** Opens the Label step showing the given images, in this order. */
  showImagesInGrid(imageIds: readonly number[]) {
    this.mapSelection = imageIds;
    this.showInGrid('mapSelection');
  }

  /** Opens the Label step showing `filter` (as its filter menu names them, e.g. "heldOut:3:5"). */
  showInGrid(filter: string) {
    this.requestedLabelFilter = filter;
    this.navigate('label');
  }

  /** Shows a failure; a newer one about the same topic replaces the older. */
  report(error: unknown, topic: NoticeTopic | null = null) {
    this.#notices.report(error, topic);
  }

  dismiss(id: number) {
    this.#notices.dismiss(id);
  }

  /** Runs a command, showing its error in the banner instead of throwing; with a topic, success clears its notices. */
  attempt<T>(action: () => Promise<T>, topic: NoticeTopic | null = null): Promise<T | undefined> {
    return this.#notices.attempt(action, topic);
  }

  async refresh(withClasses = true) {
    const askedAt = Date.now();
    try {
      const status = await this.#client.status({});
      // Classes belong to a project; before one is open there are none to ask for.
      const classes = withClasses && status.project ? await this.#client.listClasses({}) : withClasses ? [] : null;
      this.#status = status;
      if (classes) this.#classes = classes;
      if (status.activeJob) this.#onJob(status.activeJob);
      else this.#jobs.settleLost(status, askedAt);
      this.#loaded = true;
      this.#notices.resolve('connection');
    } catch (error) {
      this.#loaded = true;
      this.#notices.report(error, 'connection');
    }
  }

  async openProject(dir: string): Promise<boolean> {
    const status = await this.attempt(() => this.#client.openProject({ dir }), 'project');
    if (!status) return false;
    // Every notice so far was about the project that was open before (or about failing to open one).
    this.#notices.clear();
    this.#status = status;
    this.#jobs.clear();
    this.#loss.clear();
    this.#changes.bumpAll();
    await this.refresh(true);
    return true;
  }

  /**
   * Starts a long job and follows it; returns null when the engine refused (the banner says why, under the job's
   * kind). Notices clear when the new run is first seen, not when this reply comes: a quick job's failure event
   * can arrive before it, and must stay.
   */
  async startJob(kind: JobKind, start: () => Promise<JobSnapshot>): Promise<JobSnapshot | null> {
    try {
      const job = await start();
      this.#onJob(job);
      return job;
    } catch (error) {
      this.report(error, kind);
      return null;
    }
  }

  async cancel(job: JobSnapshot) {
    await this.attempt(() => this.#client.cancelJob({ jobId: job.id }));
  }

  #onJob(job: JobSnapshot) {
    const seen = this.#jobs.see(job);
    if (!seen) return;
    // A new run of a kind (started here, in another tab or from the CLI) makes the last one's failure history.
    if (seen.newRun) this.#notices.resolve(job.kind);
    if (job.kind === 'pretrain') this.#loss.record(job);
    if (job.state !== 'running') {
      if (job.state === 'failed') this.report(`${jobVerbs[job.kind]} failed: ${job.error ?? 'no reason given'}`, job.kind);
      this.#scheduleRefresh(true);
    }
  }

  #onChanged(what: ChangeKind) {
    this.#changes.bump(what);
    this.#scheduleRefresh(what === 'classes' || what === 'labels' || what === 'project');
  }

  /** Imports send many change events; one status fetch per burst is enough. */
  #scheduleRefresh(withClasses: boolean) {
    this.#refreshClasses ||= withClasses;
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      const classes = this.#refreshClasses;
      this.#refreshClasses = false;
      void this.refresh(classes);
    }, 200);
  }

  dispose() {
    for (const off of this.#unsubscribe) off();
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }
}
