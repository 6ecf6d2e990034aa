/**
 * The engine: SimCLR Studio's whole API in plain Node. It owns the open project, the import and the jobs;
 * transports (Electron IPC, HTTP+WebSocket) and the CLI only carry calls to it and events from it.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { z } from 'zod';
import type {
  CommandName,
  CommandResults,
  EventName,
  ImportResult,
  JobSnapshot,
  ProjectStatus,
  StudioEvents,
} from '../../shared/contract';
import { StudioError, commandSchemas, parseArgs } from '../../shared/contract';
import { importFolder, importPaths, type ImportOptions, type ImportProgress } from './import/import-folder';
import { isImageFileName } from './import/scan';
import { describeFileError } from './import/reasons';
import { countImagesInSubfolders } from './import/count-images';
import { JobRunner } from './jobs/job-runner';
import type { WorkerLauncher } from './jobs/protocol';
import { launchNodeWorker } from './jobs/node-launcher';
import { loadEmbeddingMatrix, type EmbeddingMatrix } from './labels/embedding-matrix';
import { nearestNeighbours } from './labels/similarity';
import { suggestLabels } from './labels/suggestions';
import { chooseBackendName } from './ml/backends/backend-choice';
import { hasPretrainedEncoder } from './ml/files/checkpoint-layout';
import { staleOutputs } from './jobs/output-sources';
import { Rng } from './ml/rng';
import { testSetDraw } from './labels/test-set';
import { ProjectStore } from './store/project-store';
import { diskFullError, isDiskFull } from './store/disk-full';
import { renderPreview } from './data/preview';
import { previewSide } from '../../shared/client';
import { parseLabelsCsv } from './store/csv';
import { labelsCsv, predictionsCsv } from './store/export-csv';

type Args<C extends CommandName> = z.output<(typeof commandSchemas)[C]>;
type EventListener = (event: EventName, payload: unknown) => void;

/** The engine's handlers receive arguments already checked and defaulted by the contract's schemas. */
type CommandHandlers = { [C in CommandName]: (args: Args<C>) => Promise<CommandResults[C]> };

export interface EngineOptions {
  /** How training jobs get their own process; the desktop shell passes an Electron utilityProcess launcher. */
  launchWorker?: WorkerLauncher;
  /** Force a tfjs backend by name (also SIMCLR_BACKEND). */
  backend?: string;
}

export class Engine implements CommandHandlers {
  #store: ProjectStore | null = null;
  /** The embeddings packed for similarity and suggestions; dropped when an embed job ends or the project changes. */
  #embeddingMatrix: EmbeddingMatrix | null = null;
  readonly #listeners = new Set<EventListener>();
  readonly #jobs: JobRunner;
  readonly #forcedBackend: string | undefined;

  constructor(options: EngineOptions = {}) {
    this.#forcedBackend = options.backend ?? process.env.SIMCLR_BACKEND;
    this.#jobs = new JobRunner(options.launchWorker ?? launchNodeWorker, this.#forcedBackend, (snapshot) => {
      this.#emit('job', snapshot);
      if (snapshot.state !== 'running' && snapshot.kind === 'embed') this.#embeddingMatrix = null;
      if (snapshot.state !== 'running') for (const what of changedByJob[snapshot.kind]) this.#emit('projectChanged', { what });
    });
  }

  /** Validates and dispatches one call, as a transport receives it; a bad call rejects (never throws) with a StudioError. */
  async call<C extends CommandName>(command: C, args: unknown): Promise<CommandResults[C]> {
    const parsed = parseArgs(command, args);
    const handler = this[command] as (a: typeof parsed) => Promise<CommandResults[C]>;
    try {
      const result = await handler.call(this, parsed);
      for (const what of changedByCommand[command] ?? []) this.#emit('projectChanged', { what });
      return result;
    } catch (error) {
      // SQLite rolls the refused write back, so the project is as it was before the call.
      if (isDiskFull(error)) throw diskFullError(this.#store?.layout.dir ?? command, error, `${command} changed nothing; free some space and try again`);
      throw error;
    }
  }

  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    for (const listener of this.#listeners) listener(event, payload);
  }

  get store(): ProjectStore {
    if (!this.#store) throw new StudioError('No project is open; open or create one first');
    return this.#store;
  }

  /** The thumbnail file for an image, for transports that serve them. */
  thumbnailPath(imageId: number): string | null {
    const path = this.#store?.layout.thumbnail(imageId);
    return path && existsSync(path) ? path : null;
  }

  /** An image's file on disk (its primary path), or null when unknown or gone. */
  imagePath(imageId: number): string | null {
    const path = this.#store?.images.paths([imageId]).get(imageId);
    return path && existsSync(path) ? path : null;
  }

  /** The image at viewing size for the large view, as WebP; null when its file is gone or unreadable. */
  async imagePreview(imageId: number): Promise<Buffer | null> {
    const path = this.imagePath(imageId);
    return path ? renderPreview(path, previewSide).catch(() => null) : null;
  }

  waitForJob(jobId: string): Promise<JobSnapshot> {
    return this.#jobs.waitFor(jobId);
  }

  close(): void {
    const active = this.#jobs.active;
    if (active) this.#jobs.cancel(active.id);
    this.#store?.close();
    this.#store = null;
  }

  // --- commands -------------------------------------------------------------------------------------------

  async openProject({ dir, create = true }: Args<'openProject'>): Promise<ProjectStatus> {
    if (this.#jobs.active) throw new StudioError('A job is running; cancel it before switching projects');
    const store = ProjectStore.open(dir, { exclusive: true, create });
    store.runs.markInterrupted();
    this.#store?.close();
    this.#store = store;
    this.#embeddingMatrix = null;
    return this.status();
  }

  async status(): Promise<ProjectStatus> {
    const store = this.#store;
    const lastBackend = store?.runs.list().find((run) => run.backend)?.backend;
    const backend = await chooseBackendName(this.#forcedBackend, lastBackend);
    const empty = { images: 0, failed: 0, duplicates: 0, labelled: 0, classes: 0, embeddings: 0, predictions: 0, labelIssues: 0, testImages: 0 };
    return {
      project: store?.layout.dir ?? null,
      backend,
      backendForced: Boolean(this.#forcedBackend),
      ...(store
        ? {
            images: store.count('images'),
            failed: store.count('import_failures'),
            duplicates: store.images.duplicatePathCount(),
            labelled: store.count('labels'),
            classes: store.count('classes'),
            embeddings: store.count('embeddings'),
            predictions: store.count('predictions'),
            labelIssues: store.outputs.labelIssues().length,
            testImages: store.labels.testImageIds().size,
          }
        : empty),
      hasPretrainedEncoder: Boolean(store && hasPretrainedEncoder(store.layout.pretrainCheckpoint)),
      hasClassifier: Boolean(store && existsSync(join(store.layout.classifier, 'model.json'))),
      stale: store ? staleOutputs(store) : [],
      labelTarget: { min: 0.01, max: 0.1 },
      roots: store?.images.roots() ?? [],
      runs: store?.runs.list() ?? [],
      activeJob: this.#jobs.active,
    };
  }

  async listDirectory({ path }: Args<'listDirectory'>): Promise<CommandResults['listDirectory']> {
    const target = resolve(path && path.trim() ? path : homedir());
    const info = await stat(target).catch(() => null);
    if (!info?.isDirectory()) throw new StudioError(`${target}: not a folder`);
    const dirents = await readdir(target, { withFileTypes: true }).catch((error: Error) => {
      throw new StudioError(`${target}: ${error.message}`);
    });
    const visible = dirents.filter((d) => !d.name.startsWith('.'));
    const parent = dirname(target);
    return {
      path: target,
      parent: parent === target ? null : parent,
      entries: visible
        .filter((d) => d.isDirectory())
        .map((d) => ({ name: d.name, path: join(target, d.name), isDirectory: true }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      imageFiles: visible.filter((d) => d.isFile() && isImageFileName(d.name)).length,
      imagesInSubfolders: await countImagesInSubfolders(target),
    };
  }

  async importFolder({ folder, labelsFromSubfolders }: Args<'importFolder'>): Promise<JobSnapshot> {
    const root = resolve(folder);
    // Checked before the job starts, so the caller's mistake is answered as one, not as a failed job.
    const info = await stat(root).catch((error: unknown) => error as Error);
    if (info instanceof Error) throw new StudioError(`${root}: ${(info as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : describeFileError(info)}`);
    if (!info.isDirectory()) throw new StudioError(`${root}: not a folder`);
    return this.#runImport({ folder: root, labelsFromSubfolders }, (options) => importFolder(this.store, root, options));
  }

  async importPaths({ paths, labelsFromSubfolders }: Args<'importPaths'>): Promise<JobSnapshot> {
    const absolute = paths.map((p) => resolve(p));
    return this.#runImport({ paths: absolute, labelsFromSubfolders }, (options) => importPaths(this.store, absolute, options));
  }

  /** Runs an import as a job, reporting counts, images/s and the time left. */
  #runImport(jobOptions: Record<string, unknown>, run: (options: ImportOptions) => Promise<ImportResult>): JobSnapshot {
    const labelsFromSubfolders = jobOptions.labelsFromSubfolders === true;
    return this.#jobs.runInProcess(this.store, 'import', jobOptions, async (report, signal) => {
      const onProgress = (p: ImportProgress) =>
        report({
          fraction: p.total ? p.done / p.total : null,
          phase: 'importing',
          message: `${p.done} / ${p.total} files`,
          metrics: {
            done: p.done,
            total: p.total,
            imported: p.imported,
            failed: p.failed,
            imagesPerSecond: p.imagesPerSecond,
            etaSeconds: p.imagesPerSecond > 0 ? (p.total - p.done) / p.imagesPerSecond : 0,
          },
        });
      return run({ labelsFromSubfolders, onProgress, signal });
    });
  }

  async listImages(args: Args<'listImages'>): Promise<CommandResults['listImages']> {
    const { filter, classId, offset, limit, ...view } = args;
    return this.store.images.list(filter, classId, offset, limit, view);
  }

  async listImageIds({ filter, classId, ...options }: Args<'listImageIds'>): Promise<CommandResults['listImageIds']> {
    return this.store.images.listIds(filter, classId, options);
  }

  async getImages({ imageIds }: Args<'getImages'>): Promise<CommandResults['getImages']> {
    return this.store.images.items(imageIds);
  }

  async listLabelIssues(): Promise<CommandResults['listLabelIssues']> {
    return this.store.outputs.labelIssues();
  }

  async setTestImages({ imageIds, inTest }: Args<'setTestImages'>): Promise<CommandResults['setTestImages']> {
    const store = this.store;
    if (inTest) {
      const labelled = new Set(store.labels.labelled().map((l) => l.imageId));
      const unlabelled = imageIds.filter((id) => !labelled.has(id));
      const [noun, verb] = unlabelled.length === 1 ? ['image', 'has'] : ['images', 'have'];
      if (unlabelled.length) throw new StudioError(`Only labelled images can test a model; ${noun} ${unlabelled.slice(0, 5).join(', ')}${unlabelled.length > 5 ? ` (and ${unlabelled.length - 5} more)` : ''} ${verb} no label`);
    }
    const changed = store.labels.setTestImages(imageIds, inTest);
    return { changed, testImages: store.labels.testImageIds().size };
  }

  async holdOutTestSet({ fraction, seed }: Args<'holdOutTestSet'>): Promise<CommandResults['holdOutTestSet']> {
    const store = this.store;
    store.labels.clearTestImages();
    store.labels.setTestImages(testSetDraw(store.labels.labelled(), fraction, new Rng(seed)), true);
    return { testImages: store.labels.testImageIds().size };
  }

  async listFailures(): Promise<CommandResults['listFailures']> {
    return this.store.images.failures();
  }

  async listClasses(): Promise<CommandResults['listClasses']> {
    return this.store.labels.classes();
  }

  async createClass({ name, color }: Args<'createClass'>): Promise<CommandResults['createClass']> {
    return this.store.labels.createClass(name, color);
  }

  async renameClass({ classId, name }: Args<'renameClass'>): Promise<CommandResults['renameClass']> {
    return this.store.labels.renameClass(classId, name);
  }

  async recolorClass({ classId, color }: Args<'recolorClass'>): Promise<CommandResults['recolorClass']> {
    return this.store.labels.recolorClass(classId, color);
  }

  async mergeClasses({ sourceIds, targetId }: Args<'mergeClasses'>): Promise<CommandResults['mergeClasses']> {
    const moved = this.store.labels.mergeClasses(sourceIds, targetId);
    return { moved, history: this.#history() };
  }

  async deleteClass({ classId }: Args<'deleteClass'>): Promise<CommandResults['deleteClass']> {
    const unlabelled = this.store.labels.deleteClass(classId);
    return { unlabelled, history: this.#history() };
  }

  async undoLabels(): Promise<CommandResults['undoLabels']> {
    const changed = this.store.history.undo();
    return { changed, history: this.#history() };
  }

  async redoLabels(): Promise<CommandResults['redoLabels']> {
    const changed = this.store.history.redo();
    return { changed, history: this.#history() };
  }

  async labelHistory({ limit }: Args<'labelHistory'>): Promise<CommandResults['labelHistory']> {
    return { changes: this.store.history.changes(limit), state: this.store.history.state() };
  }

  async suggestLabels({ count }: Args<'suggestLabels'>): Promise<CommandResults['suggestLabels']> {
    const plan = suggestLabels(this.store, this.#embeddings(), count);
    const items = new Map(this.store.images.items(plan.suggestions.map((s) => s.imageId)).map((item) => [item.id, item]));
    return {
      strategy: plan.strategy,
      suggestions: plan.suggestions.map((s) => ({ image: items.get(s.imageId)!, reason: s.reason, score: s.score })),
    };
  }

  async similarImages({ imageId, count }: Args<'similarImages'>): Promise<CommandResults['similarImages']> {
    const matrix = this.#embeddings();
    const row = matrix.rowOf.get(imageId);
    if (row === undefined) throw new StudioError(`Image ${imageId} has no embedding yet; compute the map again to include it`);
    const neighbours = nearestNeighbours(matrix, row, count);
    const items = this.store.images.items(neighbours.map((n) => matrix.imageIds[n.row]));
    return items.map((image, i) => ({ image, similarity: neighbours[i].similarity }));
  }

  async writeLabelsCsv({ outPath }: Args<'writeLabelsCsv'>): Promise<CommandResults['writeLabelsCsv']> {
    const csv = labelsCsv(this.store);
    await writeFile(outPath, csv.text).catch((error: Error) => {
      throw new StudioError(`${outPath}: cannot write (${error.message})`);
    });
    return { labelled: csv.rows };
  }

  async setLabels({ imageIds, classId }: Args<'setLabels'>): Promise<CommandResults['setLabels']> {
    const unknown = this.store.images.unknownIds(imageIds);
    if (unknown.length) throw new StudioError(`No image with id ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''} in this project`);
    const changed = this.store.labels.set(imageIds, classId);
    return { changed, history: this.store.history.state() };
  }

  async importLabelsCsv({ csvPath }: Args<'importLabelsCsv'>): Promise<CommandResults['importLabelsCsv']> {
    const store = this.store;
    const text = await readFile(csvPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new StudioError(`${csvPath}: ${error.code === 'ENOENT' ? 'file not found' : error.message}`);
    });
    const rows = parseLabelsCsv(text, csvPath);
    const roots = store.images.roots();
    const unmatched: string[] = [];
    const labels: { imageId: number; className: string }[] = [];
    store.transaction(() => {
      for (const row of rows) {
        const candidates = isAbsolute(row.path) ? [row.path] : [resolve(dirname(csvPath), row.path), ...roots.map((r) => join(r, row.path))];
        const imageId = candidates.map((p) => store.images.idByPath(p)).find((id) => id !== undefined);
        if (imageId === undefined) unmatched.push(row.path);
        else labels.push({ imageId, className: row.label });
      }
      store.labels.applyByName(labels, 'csv', `labels from ${basename(csvPath)}`);
    });
    return { labelled: new Set(labels.map((l) => l.imageId)).size, unmatched };
  }

  async getMap(): Promise<CommandResults['getMap']> {
    return this.store.outputs.mapPoints();
  }

  async startPretrain(options: Args<'startPretrain'>): Promise<JobSnapshot> {
    this.#requireImages();
    return this.#jobs.runInWorker(this.store, 'pretrain', options);
  }

  async startEmbed(options: Args<'startEmbed'>): Promise<JobSnapshot> {
    this.#requireImages();
    return this.#jobs.runInWorker(this.store, 'embed', options);
  }

  async startFinetune(options: Args<'startFinetune'>): Promise<JobSnapshot> {
    if (this.store.count('labels') < 2) throw new StudioError('Label at least two images (in two classes) before fine-tuning');
    return this.#jobs.runInWorker(this.store, 'finetune', options);
  }

  async startExport(options: Args<'startExport'>): Promise<JobSnapshot> {
    return this.#jobs.runInWorker(this.store, 'export', options);
  }

  async startPredictImage(options: Args<'startPredictImage'>): Promise<JobSnapshot> {
    return this.#jobs.runInWorker(this.store, 'predict', options);
  }

  async startClusterExport(options: Args<'startClusterExport'>): Promise<JobSnapshot> {
    this.#requireImages();
    return this.#jobs.runInWorker(this.store, 'clusterExport', options);
  }

  async startEncoderImport(options: Args<'startEncoderImport'>): Promise<JobSnapshot> {
    return this.#jobs.runInWorker(this.store, 'encoderImport', options);
  }

  async writePredictionsCsv({ outPath }: Args<'writePredictionsCsv'>): Promise<CommandResults['writePredictionsCsv']> {
    const csv = predictionsCsv(this.store);
    if (csv.rows === 0) throw new StudioError('There are no predictions yet; fine-tune a classifier first');
    await writeFile(outPath, csv.text).catch((error: Error) => {
      throw new StudioError(`${outPath}: cannot write (${error.message})`);
    });
    return { predicted: csv.rows };
  }

  async cancelJob({ jobId }: Args<'cancelJob'>): Promise<CommandResults['cancelJob']> {
    return { cancelled: this.#jobs.cancel(jobId) };
  }

  async runHistory({ runId, maxPoints }: Args<'runHistory'>): Promise<CommandResults['runHistory']> {
    const history = this.store.runs.history(runId, maxPoints);
    if (!history) throw new StudioError(`No run ${runId} in this project`);
    return history;
  }

  #history(): CommandResults['undoLabels']['history'] {
    return this.store.history.state();
  }

  #embeddings(): EmbeddingMatrix {
    const store = this.store;
    // A count that moved means an embed job wrote rows since the matrix was packed.
    if (this.#embeddingMatrix?.imageIds.length !== store.count('embeddings')) this.#embeddingMatrix = loadEmbeddingMatrix(store);
    return this.#embeddingMatrix;
  }

  #requireImages(): void {
    if (this.store.count('images') === 0) throw new StudioError('The project has no images yet; import a folder first');
  }
}

type Aggregate = StudioEvents['projectChanged']['what'];

/** A change to classes can take labels and predictions with it (a deleted class's go, an undone delete's come back). */
const classesAndWhatHangsOnThem: Aggregate[] = ['classes', 'labels', 'predictions'];

/** What each command changes when it succeeds; `call` tells clients, so no handler has to. */
const changedByCommand: Partial<Record<CommandName, readonly Aggregate[]>> = {
  openProject: ['project'],
  setTestImages: ['labels'],
  holdOutTestSet: ['labels'],
  createClass: ['classes'],
  renameClass: ['classes'],
  recolorClass: ['classes'],
  mergeClasses: classesAndWhatHangsOnThem,
  deleteClass: classesAndWhatHangsOnThem,
  undoLabels: classesAndWhatHangsOnThem,
  redoLabels: classesAndWhatHangsOnThem,
  setLabels: ['labels'],
  importLabelsCsv: ['classes', 'labels'],
};

/** What each job changes when it ends (done, failed or cancelled: a cancelled import keeps what it committed). */
const changedByJob: Record<JobSnapshot['kind'], readonly Aggregate[]> = {
  // Subfolder names become classes and labels.
  import: ['images', 'classes', 'labels'],
  pretrain: ['runs'],
  embed: ['embeddings'],
  finetune: ['predictions', 'runs'],
  export: ['runs'],
  predict: ['runs'],
  clusterExport: ['runs'],
  // A new encoder, like a pretraining run's: status then reports the embeddings and predictions stale.
  encoderImport: ['runs'],
};
