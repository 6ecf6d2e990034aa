/**
 * The one API of SimCLR Studio. The engine implements it; Electron IPC and HTTP+WebSocket carry it; the
 * renderer and the CLI call it. Argument schemas are checked wherever a call crosses a process boundary.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------------------------------------

export const encoderNames = ['resnet-tiny', 'resnet-mini'] as const;
export type EncoderName = (typeof encoderNames)[number];

/** Fastest first: the order in which the engine tries them when none is forced. */
export const backendNames = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export const jobKinds = ['import', 'pretrain', 'embed', 'finetune', 'export'] as const;
export type JobKind = (typeof jobKinds)[number];

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface ClassInfo {
  id: number;
  name: string;
  color: string;
  count: number;
}

export interface ImageItem {
  id: number;
  path: string;
  relPath: string;
  width: number;
  height: number;
  labelId: number | null;
  predictedId: number | null;
  confidence: number | null;
}

export interface MapPoint {
  id: number;
  x: number;
  y: number;
  labelId: number | null;
  predictedId: number | null;
}

export interface RunInfo {
  id: number;
  kind: JobKind;
  state: JobState;
  startedAt: string;
  finishedAt: string | null;
  backend: string | null;
  options: Record<string, unknown>;
  metrics: Record<string, number>;
}

export interface ProjectStatus {
  project: string | null;
  backend: BackendName;
  backendForced: boolean;
  images: number;
  failed: number;
  duplicates: number;
  labelled: number;
  classes: number;
  embeddings: number;
  predictions: number;
  hasPretrainedEncoder: boolean;
  hasClassifier: boolean;
  /** The labelled fraction the product aims for: label 1–10 % of the images. */
  labelTarget: { min: number; max: number };
  roots: string[];
  runs: RunInfo[];
  activeJob: JobSnapshot | null;
}

/** Live view of a long job; sent as the `job` event and returned by commands that start one. */
export interface JobSnapshot {
  id: string;
  kind: JobKind;
  state: JobState;
  /** 0..1, or null while the total is unknown. */
  fraction: number | null;
  phase: string;
  message: string;
  /** e.g. epoch, step, loss, imagesPerSecond, etaSeconds, valAccuracy. */
  metrics: Record<string, number>;
  startedAt: number;
  result?: JobResult;
  error?: string;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  failed: ImportFailure[];
}
export interface PretrainResult {
  epochs: number;
  loss: number;
  backend: string;
}
export interface EmbedResult {
  embedded: number;
  mapped: number;
}
export interface FinetuneResult {
  labelled: number;
  valAccuracy: number;
  predicted: number;
}
export interface ExportResult {
  files: string[];
}
export type JobResult = ImportResult | PretrainResult | EmbedResult | FinetuneResult | ExportResult;

export interface JobResults {
  import: ImportResult;
  pretrain: PretrainResult;
  embed: EmbedResult;
  finetune: FinetuneResult;
  export: ExportResult;
}

// ---------------------------------------------------------------------------------------------------------
// Job options (schemas, so the CLI, the HTTP server and the worker process all check the same rules)
// ---------------------------------------------------------------------------------------------------------

const positiveInt = z.number().int().positive();

export const pretrainOptionsSchema = z.object({
  encoder: z.enum(encoderNames).default('resnet-mini'),
  epochs: positiveInt.max(10_000).default(10),
  /** 64 fits resnet-mini at 32 px in the wasm backend's memory; GPUs take far larger batches. */
  batchSize: positiveInt.min(2).max(4096).default(64),
  imageSize: positiveInt.min(8).max(512).default(32),
  /** NT-Xent temperature τ; SimCLR uses 0.1–0.5. */
  temperature: z.number().positive().max(10).default(0.2),
  learningRate: z.number().positive().max(10).default(1e-3),
  /** Colour distortion strength s of the paper (0.5 for CIFAR-sized images, 1.0 for ImageNet). */
  colorStrength: z.number().min(0).max(2).default(0.5),
  /** Stop after this many seconds of training (the last epoch is cut short and checkpointed). */
  timeBudgetSeconds: z.number().positive().optional(),
  resume: z.boolean().default(false),
  seed: z.number().int().default(1),
});
export type PretrainOptions = z.infer<typeof pretrainOptionsSchema>;

export const embedOptionsSchema = z.object({
  batchSize: positiveInt.max(4096).default(256),
  /** UMAP neighbourhood size; clipped to the number of images. */
  neighbors: positiveInt.min(2).max(200).default(15),
  seed: z.number().int().default(1),
});
export type EmbedOptions = z.infer<typeof embedOptionsSchema>;

export const finetuneOptionsSchema = z.object({
  epochs: positiveInt.max(10_000).default(30),
  batchSize: positiveInt.max(4096).default(32),
  learningRate: z.number().positive().max(10).default(1e-3),
  /** Fraction of the labelled images held out to measure accuracy. */
  validationFraction: z.number().min(0).max(0.5).default(0.2),
  seed: z.number().int().default(1),
});
export type FinetuneOptions = z.infer<typeof finetuneOptionsSchema>;

export const exportOptionsSchema = z.object({
  outDir: z.string().min(1),
  format: z.literal('tfjs').default('tfjs'),
});
export type ExportOptions = z.infer<typeof exportOptionsSchema>;

// ---------------------------------------------------------------------------------------------------------
// Commands: name → argument schema. Results are typed in CommandResults below.
// ---------------------------------------------------------------------------------------------------------

export const imageFilters = ['all', 'unlabelled', 'labelled', 'class', 'predicted'] as const;
export type ImageFilter = (typeof imageFilters)[number];

const colorSchema = z.string().regex(/^#[0-9a-f]{6}$/i, 'a colour like #1f77b4');

export const commandSchemas = {
  /** Opens the project in `dir`, creating it (an empty folder or a new path) when it holds none. */
  openProject: z.object({ dir: z.string().min(1) }),
  status: z.object({}),
  /** Folders and image counts on the engine's disk, so the browser UI can pick a folder to import. */
  listDirectory: z.object({ path: z.string().optional() }),
  importFolder: z.object({ folder: z.string().min(1) }),
  listImages: z.object({
    filter: z.enum(imageFilters).default('all'),
    classId: z.number().int().optional(),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(5000).default(200),
  }),
  listFailures: z.object({}),
  listClasses: z.object({}),
  createClass: z.object({ name: z.string().trim().min(1).max(80), color: colorSchema.optional() }),
  /** Assigns a class to images (null clears their label). */
  setLabels: z.object({ imageIds: z.array(z.number().int()).min(1), classId: z.number().int().nullable() }),
  /** Labels from rows of `path,label`; a path is absolute or relative to an imported folder. */
  importLabelsCsv: z.object({ csvPath: z.string().min(1) }),
  getMap: z.object({}),
  startPretrain: pretrainOptionsSchema.partial(),
  startEmbed: embedOptionsSchema.partial(),
  startFinetune: finetuneOptionsSchema.partial(),
  startExport: exportOptionsSchema,
  /** Writes `path,label,confidence` for every image from the last fine-tune's predictions. */
  writePredictionsCsv: z.object({ outPath: z.string().min(1) }),
  cancelJob: z.object({ jobId: z.string() }),
};

export type CommandName = keyof typeof commandSchemas;
export type CommandArgs<C extends CommandName> = z.input<(typeof commandSchemas)[C]>;

export interface DirectoryListing {
  path: string;
  parent: string | null;
  entries: { name: string; path: string; isDirectory: boolean }[];
  imageFiles: number;
}

export interface CommandResults {
  openProject: ProjectStatus;
  status: ProjectStatus;
  listDirectory: DirectoryListing;
  importFolder: JobSnapshot;
  listImages: { total: number; items: ImageItem[] };
  listFailures: ImportFailure[];
  listClasses: ClassInfo[];
  createClass: ClassInfo;
  setLabels: { changed: number };
  importLabelsCsv: { labelled: number; unmatched: string[] };
  getMap: MapPoint[];
  startPretrain: JobSnapshot;
  startEmbed: JobSnapshot;
  startFinetune: JobSnapshot;
  startExport: JobSnapshot;
  writePredictionsCsv: { predicted: number };
  cancelJob: { cancelled: boolean };
}

/** The API as the engine implements it and every client exposes it. */
export type StudioApi = {
  [C in CommandName]: (args: CommandArgs<C>) => Promise<CommandResults[C]>;
};

// ---------------------------------------------------------------------------------------------------------
// Events pushed from the engine to every client
// ---------------------------------------------------------------------------------------------------------

export interface StudioEvents {
  /** A job started, progressed or ended. */
  job: JobSnapshot;
  /** Images, labels, classes or predictions changed; clients refetch what they show. */
  projectChanged: { what: 'images' | 'labels' | 'classes' | 'embeddings' | 'predictions' | 'project' };
}
export type EventName = keyof StudioEvents;

/** An error whose message is meant for the user, e.g. "photo.jpg: not an image (unsupported format)". */
export class StudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudioError';
  }
}

/** Parses a command's arguments, turning schema failures into one readable sentence. */
export function parseArgs<C extends CommandName>(command: C, args: unknown): z.output<(typeof commandSchemas)[C]> {
  const schema = commandSchemas[command];
  if (!schema) throw new StudioError(`Unknown command "${String(command)}"`);
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`);
    throw new StudioError(`Invalid arguments for ${command}: ${issues.join('; ')}`);
  }
  return parsed.data as z.output<(typeof commandSchemas)[C]>;
}

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commandSchemas, name);
}
