import type { StudioClient } from '../../../shared/client';
import type {
  ClassInfo,
  JobKind,
  JobSnapshot,
  JobSnapshotOf,
  ProjectStatus,
  RunLossPoint,
  StudioEvents,
} from '../../../shared/contract';
import { errorMessage, formatCount, formatPercent } from '../lib/format';
import type { StepId, StepProgress } from './steps';

type ChangeKind = StudioEvents['projectChanged']['what'];
export type Revisions = Record<ChangeKind, number>;

/**
 * What a notice is about: a job kind, opening a project, or reaching the engine at all. When that same thing
 * next succeeds (or a new run of that job starts), the notice is out of date and goes.
 */
export type NoticeTopic = JobKind | 'project' | 'connection';

export interface Notice {
  id: number;
  message: string;
  /** Null for a one-off failure (a label that could not be set, say): it stays until dismissed or the project changes. */
  topic: NoticeTopic | null;
}

const maxLossPoints = 1500;
const jobVerbs: Record<JobKind, string> = {
  import: 'Import',
  pretrain: 'Pretraining',
  embed: 'Embedding',
  finetune: 'Fine-tuning',
  export: 'Export',
};

/**
 * What the whole UI knows about the open project: the engine's status, the classes, the jobs seen this session
 * and change counters that views watch to refetch their own data. Events keep it current.
 */
export class Workspace {
  readonly #client: StudioClient;
  #status = $state.raw<ProjectStatus | null>(null);
  #classes = $state.raw<ClassInfo[]>([]);
  #jobs = $state.raw<{ [K in JobKind]?: JobSnapshotOf<K> }>({});
  #lossHistory = $state.raw<RunLossPoint[]>([]);
  #lossJobId: string | null = null;
  #notices = $state.raw<Notice[]>([]);
  #noticeId = 0;
  #loaded = $state(false);
  #revisions = $state<Revisions>({
    images: 0, labels: 0, classes: 0, embeddings: 0, predictions: 0, runs: 0, project: 0,
  });
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshClasses = false;
  #unsubscribe: (() => void)[] = [];

  /** The step shown in the main area. */
  step = $state<StepId>('project');

  /** Derived, so effects that only care whether a project is open do not rerun on every status refresh. */
  readonly hasProject = $derived(Boolean(this.#status?.project));

  readonly classById = $derived(new Map(this.#classes.map((c) => [c.id, c])));

  readonly activeJob = $derived(
    Object.values(this.#jobs)
      .filter((job) => job.state === 'running')
      .sort((a, b) => b.startedAt - a.startedAt)[0] ?? null,
  );

  readonly labelledFraction = $derived(
    this.#status && this.#status.images > 0 ? this.#status.labelled / this.#status.images : 0,
  );

  readonly stepProgress = $derived(this.#computeSteps());

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
    return this.#notices;
  }
  /** The live pretraining job's loss after each step it reported this session. */
  get lossHistory(): RunLossPoint[] {
    return this.#lossHistory;
  }
  /** Counters bumped by `projectChanged`; read one in an effect to refetch when that data changes. */
  get revisions(): Readonly<Revisions> {
    return this.#revisions;
  }
  get transportName(): string {
    return this.#client.transportName;
  }

  /** The job of this kind seen most recently this session (running or finished). */
  lastJob<K extends JobKind>(kind: K): JobSnapshotOf<K> | null {
    return (this.#jobs[kind] as JobSnapshotOf<K> | undefined) ?? null;
  }

  isRunning(kind?: JobKind): boolean {
    return kind ? this.#jobs[kind]?.state === 'running' : this.activeJob !== null;
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

  /** A grid filter another view asks the Label step to open with (e.g. a confusion-matrix cell); taken once. */
  requestedLabelFilter = $state<string | null>(null);

  /** Opens the Label step showing `filter` (as its filter menu names them, e.g. "heldOut:3:5"). */
  showInGrid(filter: string) {
    this.requestedLabelFilter = filter;
    this.navigate('label');
  }

  /** Shows a failure; a newer one about the same topic replaces the older, which no longer describes what is wrong. */
  report(error: unknown, topic: NoticeTopic | null = null) {
    const message = errorMessage(error);
    const others = topic ? this.#notices.filter((n) => n.topic !== topic) : this.#notices;
    if (others.some((n) => n.message === message)) return;
    this.#notices = [...others, { id: ++this.#noticeId, message, topic }];
  }

  dismiss(id: number) {
    this.#notices = this.#notices.filter((n) => n.id !== id);
  }

  /** The thing a topic names worked this time, so what went wrong with it before is over. */
  #resolve(topic: NoticeTopic) {
    if (this.#notices.some((n) => n.topic === topic)) this.#notices = this.#notices.filter((n) => n.topic !== topic);
  }

  /** Runs a command, showing its error in the banner instead of throwing; with a topic, success clears its notices. */
  async attempt<T>(action: () => Promise<T>, topic: NoticeTopic | null = null): Promise<T | undefined> {
    try {
      const result = await action();
      if (topic) this.#resolve(topic);
      return result;
    } catch (error) {
      this.report(error, topic);
      return undefined;
    }
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
      else this.#settleLostJobs(status, askedAt);
      this.#loaded = true;
      this.#resolve('connection');
    } catch (error) {
      this.#loaded = true;
      this.report(error, 'connection');
    }
  }

  async openProject(dir: string): Promise<boolean> {
    const status = await this.attempt(() => this.#client.openProject({ dir }), 'project');
    if (!status) return false;
    // Every notice so far was about the project that was open before (or about failing to open one).
    this.#notices = [];
    this.#status = status;
    this.#jobs = {};
    this.#lossHistory = [];
    this.#bumpAll();
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
    const known = this.#jobs[job.kind];
    // A late "running" snapshot (e.g. a start command's reply) must not revive a job that already ended.
    if (known && known.id === job.id && known.state !== 'running') return;
    // A new run of a kind (started here, in another tab or from the CLI) makes the last one's failure history.
    if (known?.id !== job.id) this.#resolve(job.kind);
    this.#jobs = { ...this.#jobs, [job.kind]: job };
    if (job.kind === 'pretrain') this.#recordLoss(job);
    if (job.state !== 'running') {
      if (job.state === 'failed') this.report(`${jobVerbs[job.kind]} failed: ${job.error ?? 'no reason given'}`, job.kind);
      this.#scheduleRefresh(true);
    }
  }

  /** A job we still think runs, that the engine no longer reports, ended while events could not reach us. */
  #settleLostJobs(status: ProjectStatus, askedAt: number) {
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

  #recordLoss(job: JobSnapshot) {
    if (this.#lossJobId !== job.id) {
      this.#lossJobId = job.id;
      this.#lossHistory = [];
    }
    const loss = job.metrics.loss;
    if (loss === undefined || !Number.isFinite(loss)) return;
    const history = this.#lossHistory;
    const epoch = job.metrics.epoch ?? 0;
    const step = job.metrics.step ?? 0;
    const last = history[history.length - 1];
    if (last) {
      // A status refresh can hand back an older snapshot than the last event did; a repeat adds nothing.
      const older = epoch < last.epoch || (epoch === last.epoch && step < last.step);
      const same = epoch === last.epoch && step === last.step && loss === last.loss;
      if (older || same) return;
    }
    let next = [...history, { epoch, step, loss }];
    // Halve the resolution rather than grow without bound on long runs.
    if (next.length > maxLossPoints) next = next.filter((_, i) => i % 2 === 0 || i === next.length - 1);
    this.#lossHistory = next;
  }

  #onChanged(what: ChangeKind) {
    if (what === 'project') this.#bumpAll();
    else this.#revisions[what] += 1;
    this.#scheduleRefresh(what === 'classes' || what === 'labels' || what === 'project');
  }

  #bumpAll() {
    for (const key of Object.keys(this.#revisions) as ChangeKind[]) this.#revisions[key] += 1;
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

  #computeSteps(): Record<StepId, StepProgress> {
    const s = this.#status;
    const running = (kind: JobKind) => this.#jobs[kind]?.state === 'running';
    const blocked = (detail: string): StepProgress => ({ state: 'blocked', detail });
    if (!s?.project) {
      return {
        project: { state: 'ready', detail: 'Open or create one' },
        import: blocked('Needs a project'),
        pretrain: blocked('Needs a project'),
        map: blocked('Needs a project'),
        label: blocked('Needs a project'),
        finetune: blocked('Needs a project'),
        export: blocked('Needs a project'),
      };
    }
    const hasImages = s.images > 0;
    const exported = s.runs.some((r) => r.kind === 'export' && r.state === 'done');
    const pick = (kind: JobKind, done: boolean, doneText: string, readyText: string, needs: string | null) =>
      running(kind)
        ? { state: 'running' as const, detail: 'Running…' }
        : done
          ? { state: 'done' as const, detail: doneText }
          : needs
            ? blocked(needs)
            : { state: 'ready' as const, detail: readyText };
    const fraction = hasImages ? s.labelled / s.images : 0;
    return {
      project: { state: 'done', detail: s.project },
      import: pick('import', hasImages, `${formatCount(s.images)} images`, 'Add a folder', null),
      pretrain: pick('pretrain', s.hasPretrainedEncoder, 'Encoder trained', 'Ready', hasImages ? null : 'Needs images'),
      map: pick('embed', s.embeddings > 0, `${formatCount(s.embeddings)} points`, 'Ready', hasImages ? null : 'Needs images'),
      label: hasImages
        ? {
            state: fraction >= s.labelTarget.min ? 'done' : 'ready',
            detail: `${formatCount(s.labelled)} labelled (${formatPercent(fraction)})`,
          }
        : blocked('Needs images'),
      finetune: pick(
        'finetune',
        s.hasClassifier,
        'Classifier trained',
        'Ready',
        s.labelled > 0 ? null : 'Needs labels',
      ),
      export: pick('export', exported, 'Exported', 'Ready', s.hasClassifier ? null : 'Needs a classifier'),
    };
  }

  dispose() {
    for (const off of this.#unsubscribe) off();
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }
}
