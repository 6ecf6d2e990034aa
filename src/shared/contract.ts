/**
 * The one API of SimCLR Studio. The engine implements it; Electron IPC and HTTP+WebSocket carry it; the
 * renderer and the CLI call it. Argument schemas are checked wherever a call crosses a process boundary.
 */
import { z } from 'zod';
import { encoderNames, lrScalings, optimizerNames, pretrainPresetNames, type EncoderName, type PretrainPresetName } from './pretrain-vocabulary';
import { bounds, type Bound } from './bounds';

// ---------------------------------------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------------------------------------

export { encoderNames, lrScalings, optimizerNames, pretrainPresetNames } from './pretrain-vocabulary';
export type { EncoderName, LrScaling, PretrainPresetName } from './pretrain-vocabulary';

/** Fastest first: the order in which the engine tries them when none is forced. */
export const backendNames = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export const jobKinds = ['import', 'pretrain', 'embed', 'finetune', 'export', 'predict', 'clusterExport', 'encoderImport'] as const;
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
  /** The prediction's confidence, null without one. */
  confidence: number | null;
  /** The last fine-tune flagged its label as probably wrong (and the label is still the one it doubted). */
  flagged: boolean;
}

/** A run of one kind as the project keeps it. */
export interface RunInfoOf<K extends JobKind> {
  id: number;
  kind: K;
  state: JobState;
  startedAt: string;
  finishedAt: string | null;
  backend: string | null;
  options: Record<string, unknown>;
  /** What it measured last, as its job reported them (see JobMetrics). */
  metrics: JobMetricsOf<K>;
  /** What the run returned, for runs that ended with a result (older projects kept none). */
  result: JobResults[K] | null;
}

/** Any run; narrowing on `kind` types its metrics and result. */
export type RunInfo = { [K in JobKind]: RunInfoOf<K> }[JobKind];

/** A run's loss after one training step. */
export interface RunLossPoint {
  step: number;
  epoch: number;
  loss: number;
}

export interface RunLogLine {
  /** ISO time. */
  at: string;
  message: string;
}

/** A run as kept in the project: what it was asked, what it measured, what it said, and its loss curve. */
export interface RunHistory {
  run: RunInfo;
  losses: RunLossPoint[];
  log: RunLogLine[];
}

/** What the models computed about the images, each from one version of the pretrained encoder. */
export const modelOutputs = ['embeddings', 'map', 'predictions'] as const;
export type ModelOutput = (typeof modelOutputs)[number];

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
  /** Labels flagged as probably wrong by the last fine-tune, and not yet changed. */
  labelIssues: number;
  /** Labelled images kept as a test set, which no fine-tune trains on or chooses by. */
  testImages: number;
  hasPretrainedEncoder: boolean;
  hasClassifier: boolean;
  /**
   * The outputs computed with an earlier encoder than the one the project has now (pretraining ran since):
   * embeddings and the map until the embed job runs again, predictions until a fine-tune does.
   */
  stale: ModelOutput[];
  /** The labelled fraction the product aims for: label 1–10 % of the images. */
  labelTarget: { min: number; max: number };
  roots: string[];
  runs: RunInfo[];
  activeJob: JobSnapshot | null;
}

/** Live view of a long job; sent as the `job` event and returned by commands that start one. */
/** A job of one kind as clients see it; its result is that kind's (see JobResults). */
export interface JobSnapshotOf<K extends JobKind> {
  id: string;
  /** The run it is recorded as in the project (runHistory finds its log and loss curve). */
  runId: number;
  kind: K;
  state: JobState;
  /** 0..1, or null while the total is unknown. */
  fraction: number | null;
  phase: string;
  message: string;
  /** What it has measured so far (see JobMetrics). */
  metrics: JobMetricsOf<K>;
  startedAt: number;
  result?: JobResults[K];
  error?: string;
}

/** Any job; narrowing on `kind` types its result. */
export type JobSnapshot = { [K in JobKind]: JobSnapshotOf<K> }[JobKind];

export interface ImportResult {
  /** Images read and stored: added + changed. */
  imported: number;
  /** Files found at a new path with the bytes of an image already in the project. */
  duplicates: number;
  failed: ImportFailure[];
  /** New images. */
  added: number;
  /** Known paths whose file now holds different bytes (re-read). */
  changed: number;
  /** Known files no longer found (marked missing; their labels are kept). */
  missing: number;
  /** Known files found again under another path, matched by content hash (their labels follow them). */
  moved: number;
  /** Images labelled from their sub-folder's name (with labelsFromSubfolders). */
  labelled: number;
}
export interface PretrainResult {
  epochs: number;
  loss: number;
  backend: string;
  /** What ran: the preset with the user's overrides applied. */
  options: ResolvedPretrainOptions;
  /** A dry run's measured estimate of the run it planned (nothing was trained or saved). */
  estimate?: PretrainEstimate;
}

/** How long a planned pretraining run will take, from a few steps measured on this machine. */
export interface PretrainEstimate {
  /** Steps timed, after one untimed first step (which pays for compiling kernels and filling caches). */
  measuredSteps: number;
  secondsPerStep: number;
  /** Images a step trains: the batch asked for, or every image where there are fewer. */
  batchSize: number;
  imagesPerSecond: number;
  images: number;
  stepsPerEpoch: number;
  /** Steps the run has left to train (all of them, unless it resumes). */
  steps: number;
  /** Seconds of training those steps take, or the time budget where it ends the run first. */
  seconds: number;
  endedByBudget: boolean;
}
export interface EmbedResult {
  embedded: number;
  mapped: number;
}
/** Ways of classifying the labelled images, measured side by side so the user sees what the labels allow. */
export const labelCandidateNames = ['finetune', 'linear', 'knn', 'pixels'] as const;
export type LabelCandidateName = (typeof labelCandidateNames)[number];
/** The candidates that can become the exported model; raw pixels are the baseline they are measured against. */
export type ExportableCandidate = Exclude<LabelCandidateName, 'pixels'>;

/** One way's accuracy, with what it was measured on and its 95 % (Wilson) interval. */
export interface CandidateScore {
  name: LabelCandidateName;
  /** What it is, in a few words, e.g. "nearest neighbours on the frozen pretrained representation h". */
  description: string;
  /** Null when nothing could be held out to measure it. */
  accuracy: number | null;
  correct: number;
  validated: number;
  interval: [number, number] | null;
  /** How it was measured, e.g. "5-fold cross-validation over 40 labelled images". */
  measuredOn: string;
}

/** One class's share of the held-out predictions. */
export interface HeldOutClassScores {
  classId: number;
  /** Held-out images labelled with the class. */
  support: number;
  /** Of those predicted as the class, the share labelled so; null when none was. */
  precision: number | null;
  /** Of those labelled with the class, the share predicted so; null when none was held out. */
  recall: number | null;
}

/** Where the chosen model goes wrong, from its out-of-fold predictions of the labelled images. */
export interface HeldOutReport {
  candidate: ExportableCandidate;
  measuredOn: string;
  /** In the order of the confusion matrix's rows and columns. */
  classes: HeldOutClassScores[];
  /** confusion[i][j]: held-out images labelled classes[i] that it predicted as classes[j]. */
  confusion: number[][];
}

/** The chosen model's accuracy on the user's test set, which no fit trained on and no choice was made by. */
export interface TestSetScore {
  images: number;
  correct: number;
  accuracy: number;
  /** 95 % (Wilson). */
  interval: [number, number];
}

/** A label that is probably wrong: the image is confidently of another class (confident learning). */
export interface LabelIssueInfo {
  imageId: number;
  path: string;
  labelId: number;
  suggestedId: number;
  /** 1 − p(label), out of fold: how little the model believes the label (cleanlab's self-confidence). */
  score: number;
}

export interface FinetuneResult {
  labelled: number;
  /** Labelled images held out once each by cross-validation; 0 when every class has one label only. */
  validated: number;
  /** The chosen model's cross-validated accuracy; null when nothing could be held out (never training accuracy). */
  valAccuracy: number | null;
  /** The final model's accuracy on the images it was trained on (all the labels). */
  trainAccuracy: number;
  predicted: number;
  /** What predictions and the export use: the fine-tuned encoder, or a linear probe or neighbour vote on the frozen one. */
  chosen: ExportableCandidate;
  /** The chosen candidate's confusion matrix and per-class precision and recall; null when nothing was held out. */
  heldOut: HeldOutReport | null;
  /** The chosen model on the test set; null when the user keeps none. */
  test: TestSetScore | null;
  /** Every way of using the labels that was measured, on the same folds. */
  candidates: CandidateScore[];
  /** Said plainly when the pretrained features did no better than raw pixels, with what to try; else null. */
  advice: string | null;
  /** Labels flagged as probably wrong (likeliest first), from the frozen probe's and vote's out-of-fold probabilities. */
  labelIssues: LabelIssueInfo[];
}
export interface ExportedFile {
  path: string;
  bytes: number;
  /** What it is, in a few words. */
  description: string;
}
export interface ExportResult {
  dir: string;
  files: ExportedFile[];
}
/** The classifier's answer for one image from anywhere on disk, before it is exported. */
export interface PredictImageResult {
  path: string;
  /** The most probable classes first, with their probabilities. */
  top: { classId: number; label: string; probability: number }[];
  /** The labelled images whose h is most like this image's (cosine similarity of h). */
  neighbours: { imageId: number; path: string; label: string; similarity: number }[];
  /** Which of the measured ways the classifier is (see FinetuneResult.chosen); null for a project without a record. */
  chosen: ExportableCandidate | null;
}
/** A pretraining job written for PyTorch (see docs in resources/cluster/train.py). */
export interface ClusterExportResult {
  dir: string;
  jobId: string;
  images: number;
  shards: number;
  /** What the job trains: the resolved pretraining options. */
  options: ResolvedPretrainOptions;
  /** Where its starting weights came from. */
  initialWeights: ClusterInitialWeights;
  /** The command that trains it on one machine's GPUs, run in dir. */
  command: string;
  files: ExportedFile[];
}

/** An encoder trained outside the app (the cluster job's trainer), now the project's pretrained encoder. */
export interface EncoderImportResult {
  path: string;
  jobId: string;
  encoder: EncoderName;
  imageSize: number;
  step: number;
  epoch: number;
  loss: number | null;
  trainer: string;
}

export type JobResult = ImportResult | PretrainResult | EmbedResult | FinetuneResult | ExportResult | PredictImageResult | ClusterExportResult | EncoderImportResult;

export interface JobResults {
  import: ImportResult;
  pretrain: PretrainResult;
  embed: EmbedResult;
  finetune: FinetuneResult;
  export: ExportResult;
  predict: PredictImageResult;
  clusterExport: ClusterExportResult;
  encoderImport: EncoderImportResult;
}

/** The options a pretraining run reports among its metrics, so `status` lists what each run was. */
export type PretrainOptionMetrics = {
  imageSize: number;
  epochsPlanned: number;
  temperature: number;
  learningRate: number;
  colorStrength: number;
  seed: number;
};

/** Where a pretraining run is, as it trains. */
export type PretrainProgressMetrics = {
  epoch: number;
  step: number;
  /** The step it started (or resumed) from. */
  startStep: number;
  loss: number;
  epochLoss: number;
  currentLearningRate: number;
  /** The learning-rate schedule's position (a time budget can move it ahead of the step). */
  scheduleStep: number;
  totalSteps: number;
  imagesPerSecond: number;
  etaSeconds: number;
  batchSize: number;
  /** Images each thread pushes through the encoder at once. */
  microBatch: number;
  images: number;
  /** Tensors left in memory when it ended (a leak shows as growth from run to run). */
  tensorsInMemory: number;
};

/**
 * What each kind of job measures, by name: its snapshot carries the latest of them, its run keeps them. Plain
 * numbers only, so a status line or a table can show any of them; a running job has reported some so far.
 */
export type JobMetrics = {
  import: { done: number; total: number; imported: number; failed: number; imagesPerSecond: number; etaSeconds: number };
  pretrain: PretrainOptionMetrics &
    PretrainProgressMetrics &
    // A dry run's estimate, with endedByBudget as 0 or 1.
    Omit<PretrainEstimate, 'endedByBudget'> & { endedByBudget: number };
  /** embedded: images embedded by this run; placed: new images placed into a kept map (0 when it was laid out whole). */
  embed: { embedded: number; imagesPerSecond: number; etaSeconds: number; mapped: number; placed: number; mapSeconds: number };
  finetune: {
    epoch: number;
    loss: number;
    trainAccuracy: number;
    labelled: number;
    /** Images the chosen model's accuracy was measured on out of fold (0: too few labels to hold any out). */
    validated: number;
    folds: number;
    labelIssues: number;
    /** The chosen model's cross-validated accuracy with its 95 % interval. */
    valAccuracy: number;
    valLow: number;
    valHigh: number;
    testAccuracy: number;
    testImages: number;
    predicted: number;
  };
  export: { files: number; bytes: number; labels: number; predictions: number; embedded: number };
  predict: { probability: number };
  clusterExport: { images: number; shards: number; bytes: number };
  encoderImport: { step: number; epoch: number; loss: number };
};

/** The metrics of a job of kind K as far as it has reported them. */
export type JobMetricsOf<K extends JobKind> = Partial<JobMetrics[K]>;

/**
 * Metrics by name where only the job's kind, at run time, says which they are: as they cross from the worker
 * process, and as the project keeps them (each task reports its own kind's, typed in jobs/tasks/index.ts).
 */
export type AnyJobMetrics = { [name: string]: number | undefined };

// ---------------------------------------------------------------------------------------------------------
// Job options (schemas, so the CLI, the HTTP server and the worker process all check the same rules)
// ---------------------------------------------------------------------------------------------------------

const positiveInt = z.number().int().positive();

/** A number within one of the shared bounds (the forms check the same ones). */
function bounded(bound: Bound) {
  const number = bound.whole ? z.number().int() : z.number();
  return (bound.aboveMin ? number.gt(bound.min) : number.min(bound.min)).max(bound.max);
}


/** [min, max] with min ≤ max. */
const rangeOf = (bound: z.ZodNumber) => z.tuple([bound, bound]).refine(([min, max]) => min <= max, 'a range is [min, max] with min ≤ max');

/** Probabilities and ranges of the paper's augmentations (appendix A); absent ones keep the paper's values. */
const augmentOptionsSchema = z.strictObject({
  cropScale: rangeOf(bounded(bounds.cropArea)).optional(),
  cropRatio: rangeOf(z.number().positive()).optional(),
  flipProb: bounded(bounds.probability).optional(),
  colorJitterProb: bounded(bounds.probability).optional(),
  grayscaleProb: bounded(bounds.probability).optional(),
  blurProb: bounded(bounds.probability).optional(),
  blurSigma: rangeOf(z.number().positive()).optional(),
});

/** Tunables have no defaults here: the engine fills them from the preset, so it can tell what the user set. */
export const pretrainOptionsSchema = z.strictObject({
  /** Default: 'cpu' on the wasm/cpu backends, 'balanced' on tensorflow(-gpu). */
  preset: z.enum(pretrainPresetNames).optional(),
  encoder: z.enum(encoderNames).optional(),
  epochs: bounded(bounds.epochs).optional(),
  /** On wasm, 256 of resnet-mini at 32 px trains in about 2 GB over two threads; GPUs take far larger batches. */
  batchSize: bounded(bounds.batchSize).optional(),
  imageSize: bounded(bounds.imageSize).optional(),
  /** NT-Xent temperature τ; SimCLR uses 0.1–0.5. */
  temperature: bounded(bounds.temperature).optional(),
  optimizer: z.enum(optimizerNames).optional(),
  /** Default: 1e-3 for Adam, 0.075·√B for LARS (the paper's square-root scaling; see lrScaling). */
  learningRate: bounded(bounds.learningRate).optional(),
  /** LARS's default rate: square-root scaling (the paper's choice for small batches) or linear 0.3·B/256. */
  lrScaling: z.enum(lrScalings).optional(),
  /** Colour distortion strength s of the paper (0.5 for CIFAR-sized images, 1.0 for ImageNet). */
  colorStrength: bounded(bounds.colorStrength).optional(),
  augment: augmentOptionsSchema.optional(),
  /** Stop after this many seconds of training (the last epoch is cut short and checkpointed). */
  timeBudgetSeconds: z.number().positive().optional(),
  /**
   * Images per micro-batch (per training thread): a bigger batch trains in parts with the whole batch's exact
   * gradient. Default: as many as the backend's memory allows.
   */
  microBatchSize: bounded(bounds.microBatchSize).optional(),
  resume: z.boolean().default(false),
  /** Measure a few steps and report how long the run would take; nothing is trained or saved. */
  dryRun: z.boolean().optional(),
  seed: z.number().int().default(1),
});
export type PretrainOptions = z.infer<typeof pretrainOptionsSchema>;
export type AugmentSettings = z.infer<typeof augmentOptionsSchema>;

/** The options a pretraining run actually uses, after its preset and the defaults are applied. */
export interface ResolvedPretrainOptions {
  preset: PretrainPresetName;
  encoder: EncoderName;
  epochs: number;
  batchSize: number;
  imageSize: number;
  temperature: number;
  optimizer: (typeof optimizerNames)[number];
  learningRate: number;
  colorStrength: number;
  augment: AugmentSettings;
  seed: number;
  timeBudgetSeconds?: number;
  microBatchSize?: number;
}

export const embedOptionsSchema = z.strictObject({
  batchSize: positiveInt.max(4096).default(256),
  /** UMAP neighbourhood size; clipped to the number of images. */
  neighbors: positiveInt.min(2).max(200).default(15),
  seed: z.number().int().default(1),
  /** Lay the whole map out again, even where only new images need a place in it. */
  relayout: z.boolean().default(false),
});
export type EmbedOptions = z.infer<typeof embedOptionsSchema>;

/**
 * What the classifier's softmax sits on: the projection head's first layer, fine-tuned along with the encoder
 * (SimCLRv2's choice, better with few labels), or the representation h (SimCLR's).
 */
export const finetuneFeatures = ['head', 'h'] as const;
export type FinetuneFeatures = (typeof finetuneFeatures)[number];

export const finetuneOptionsSchema = z.strictObject({
  epochs: bounded(bounds.epochs).default(30),
  features: z.enum(finetuneFeatures).default('head'),
  batchSize: positiveInt.max(4096).default(32),
  learningRate: bounded(bounds.learningRate).default(1e-3),
  seed: z.number().int().default(1),
});
export type FinetuneOptions = z.infer<typeof finetuneOptionsSchema>;

/** The formats an export writes its models in. */
export const exportModelFormats = ['onnx', 'tfjs'] as const;
export type ExportModelFormat = (typeof exportModelFormats)[number];
/** How an export lays the labelled images out as an ImageFolder tree: not at all, as links, or as copies. */
export const imageFolderModes = ['none', 'symlink', 'copy'] as const;
export type ImageFolderMode = (typeof imageFolderModes)[number];

export const exportOptionsSchema = z.strictObject({
  outDir: z.string().min(1),
  formats: z.array(z.enum(exportModelFormats)).min(1).default(['onnx', 'tfjs']),
  /** Also the encoder alone (image → h), for features. */
  encoder: z.boolean().default(true),
  /** h of every image as embeddings.npy, with embeddings.csv naming each row's image. */
  embeddings: z.boolean().default(true),
  imageFolder: z.enum(imageFolderModes).default('none'),
  /** Replace a folder of that name that holds files (otherwise refused). */
  replace: z.boolean().default(false),
});
export type ExportOptions = z.infer<typeof exportOptionsSchema>;

/** A cluster job starts from fresh weights (the seed's, as an in-app run would) or from the project's encoder. */
export const clusterInitialWeights = ['fresh', 'project'] as const;
export type ClusterInitialWeights = (typeof clusterInitialWeights)[number];

export const clusterExportOptionsSchema = pretrainOptionsSchema
  .omit({ resume: true, dryRun: true, timeBudgetSeconds: true, microBatchSize: true })
  .extend({
    outDir: z.string().min(1),
    initialWeights: z.enum(clusterInitialWeights).default('fresh'),
    /** Replace a folder of that name that holds files (otherwise refused). */
    replace: z.boolean().default(false),
  });
export type ClusterExportOptions = z.infer<typeof clusterExportOptionsSchema>;

export const encoderImportOptionsSchema = z.strictObject({
  /** The trainer's encoder.safetensors (run/encoder.safetensors in the job folder). */
  path: z.string().min(1),
});

export const predictImageOptionsSchema = z.strictObject({
  path: z.string().min(1),
  top: z.number().int().min(1).max(50).default(5),
  neighbours: z.number().int().min(0).max(50).default(5),
});

// ---------------------------------------------------------------------------------------------------------
// Commands: name → argument schema. Results are typed in CommandResults below.
// ---------------------------------------------------------------------------------------------------------

export const imageFilters = ['all', 'unlabelled', 'labelled', 'class', 'predicted', 'lowConfidence', 'labelIssues', 'heldOut', 'test', 'duplicates'] as const;
export type ImageFilter = (typeof imageFilters)[number];

export const imageSorts = ['imported', 'path', 'confidence', 'confidenceAscending', 'labelIssue'] as const;
export type ImageSort = (typeof imageSorts)[number];

/** One undoable change of labels: what each image's class was before and after. */
export interface LabelChange {
  id: number;
  at: string;
  /** A short description, e.g. "3 images → cat" or "merged dog into cat". */
  summary: string;
  imageCount: number;
  undone: boolean;
}

export interface LabelHistoryState {
  canUndo: boolean;
  canRedo: boolean;
  /** The change the next undo would revert, for the button's tooltip. */
  nextUndo: string | null;
  nextRedo: string | null;
}

export interface Suggestion {
  image: ImageItem;
  /** Why it is suggested: "diverse" (covers an unlabelled region) or "uncertain" (the classifier hesitates). */
  reason: 'diverse' | 'uncertain';
  score: number;
}

const colorSchema = z.string().regex(/^#[0-9a-f]{6}$/i, 'a colour like #1f77b4');

/** Every argument object is strict: an unknown field is a caller's mistake (a typo, a stale client), reported, not dropped. */
export const commandSchemas = {
  /** Opens the project in `dir`, creating it (an empty folder or a new path) when it holds none. */
  openProject: z.strictObject({
    dir: z.string().min(1),
    /** False: refuse a folder that holds no project rather than create one there (a mistyped path, say). */
    create: z.boolean().optional(),
  }),
  status: z.strictObject({}),
  /** Folders and image counts on the engine's disk, so the browser UI can pick a folder to import. */
  listDirectory: z.strictObject({ path: z.string().optional() }),
  /** Imports a folder; importing one already in the project rescans it (new, changed, missing, moved files). */
  importFolder: z.strictObject({
    folder: z.string().min(1),
    /** Label each image by its sub-folder's name (a class-per-folder layout such as ImageFolder). */
    labelsFromSubfolders: z.boolean().optional(),
  }),
  /** Imports several folders and single files at once (dropped onto the window). */
  importPaths: z.strictObject({ paths: z.array(z.string().min(1)).min(1), labelsFromSubfolders: z.boolean().optional() }),
  listImages: z.strictObject({
    filter: z.enum(imageFilters).default('all'),
    classId: z.number().int().optional(),
    /** With the lowConfidence filter: predictions below this confidence. */
    maxConfidence: z.number().min(0).max(1).default(0.6),
    sort: z.enum(imageSorts).default('imported'),
    /** Narrows any filter to images without a label (e.g. predictions still to review). */
    unlabelledOnly: z.boolean().default(false),
    /** With the heldOut filter (a confusion-matrix cell): the class predicted out of fold for images labelled classId. */
    predictedClassId: z.number().int().optional(),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(5000).default(200),
  }),
  /** Every image id that a filter selects (for "select all in this filter"). */
  listImageIds: z.strictObject({
    filter: z.enum(imageFilters).default('all'),
    classId: z.number().int().optional(),
    maxConfidence: z.number().min(0).max(1).default(0.6),
    unlabelledOnly: z.boolean().default(false),
    predictedClassId: z.number().int().optional(),
  }),
  /** Images by id, as the grid shows them (a dialog refreshes the labels of what it shows after an undo). */
  getImages: z.strictObject({ imageIds: z.array(z.number().int()).max(5000) }),
  listFailures: z.strictObject({}),
  /** Labels flagged as probably wrong by the last fine-tune that still stand, likeliest first, with the suggested class. */
  listLabelIssues: z.strictObject({}),
  /** Puts images in the test set (they must be labelled) or, with inTest false, takes them out. */
  setTestImages: z.strictObject({ imageIds: z.array(z.number().int()).min(1), inTest: z.boolean() }),
  /**
   * Makes the test set a random `fraction` of every class's labels (replacing the one there was), leaving at least
   * two labels a class to train and choose with; fraction 0 empties it.
   */
  holdOutTestSet: z.strictObject({ fraction: z.number().min(0).max(0.5), seed: z.number().int().default(1) }),
  listClasses: z.strictObject({}),
  createClass: z.strictObject({ name: z.string().trim().min(1).max(80), color: colorSchema.optional() }),
  renameClass: z.strictObject({ classId: z.number().int(), name: z.string().trim().min(1).max(80) }),
  recolorClass: z.strictObject({ classId: z.number().int(), color: colorSchema }),
  /** Moves every label of the source classes to the target class and deletes the sources (undoable). */
  mergeClasses: z.strictObject({ sourceIds: z.array(z.number().int()).min(1), targetId: z.number().int() }),
  /** Deletes a class; its images become unlabelled (undoable). */
  deleteClass: z.strictObject({ classId: z.number().int() }),
  undoLabels: z.strictObject({}),
  redoLabels: z.strictObject({}),
  labelHistory: z.strictObject({ limit: z.number().int().min(1).max(1000).default(50) }),
  /** Images worth labelling next: diverse ones before a classifier exists, then uncertain and diverse. */
  suggestLabels: z.strictObject({ count: z.number().int().min(1).max(1000).default(20) }),
  /** Nearest neighbours of an image in embedding space ("more like this"). */
  similarImages: z.strictObject({ imageId: z.number().int(), count: z.number().int().min(1).max(500).default(24) }),
  /** Writes `path,label` for every labelled image at its current path. */
  writeLabelsCsv: z.strictObject({ outPath: z.string().min(1) }),
  /** Assigns a class to images (null clears their label). */
  setLabels: z.strictObject({ imageIds: z.array(z.number().int()).min(1), classId: z.number().int().nullable() }),
  /** Labels from rows of `path,label`; a path is absolute or relative to an imported folder. */
  importLabelsCsv: z.strictObject({ csvPath: z.string().min(1) }),
  getMap: z.strictObject({}),
  startPretrain: pretrainOptionsSchema.partial(),
  startEmbed: embedOptionsSchema.partial(),
  startFinetune: finetuneOptionsSchema.partial(),
  startExport: exportOptionsSchema,
  /** Classifies one image file from anywhere on disk (a job, as the model runs in the worker). */
  startPredictImage: predictImageOptionsSchema,
  /** Writes the pretraining job for PyTorch (torchrun, any number of GPUs): images, manifest, settings, trainer. */
  startClusterExport: clusterExportOptionsSchema,
  /** Makes an encoder the trainer wrote the project's pretrained encoder. */
  startEncoderImport: encoderImportOptionsSchema,
  /** Writes `path,label,confidence` for every image from the last fine-tune's predictions. */
  writePredictionsCsv: z.strictObject({ outPath: z.string().min(1) }),
  cancelJob: z.strictObject({ jobId: z.string() }),
  /** A run with its log and loss curve (at most maxPoints of it, evenly thinned), for a page reopened after it. */
  runHistory: z.strictObject({ runId: z.number().int(), maxPoints: z.number().int().min(2).max(20_000).default(1500) }),
};

export type CommandName = keyof typeof commandSchemas;
export type CommandArgs<C extends CommandName> = z.input<(typeof commandSchemas)[C]>;

export interface DirectoryListing {
  path: string;
  parent: string | null;
  entries: { name: string; path: string; isDirectory: boolean }[];
  /** Image files directly in this folder. */
  imageFiles: number;
  /** Image files in its sub-folders at any depth (importing the folder takes them in), counted up to a limit. */
  imagesInSubfolders: { count: number; complete: boolean };
}

export interface CommandResults {
  openProject: ProjectStatus;
  status: ProjectStatus;
  listDirectory: DirectoryListing;
  importFolder: JobSnapshot;
  importPaths: JobSnapshot;
  listImages: { total: number; items: ImageItem[] };
  listFailures: ImportFailure[];
  listLabelIssues: LabelIssueInfo[];
  setTestImages: { changed: number; testImages: number };
  holdOutTestSet: { testImages: number };
  listClasses: ClassInfo[];
  createClass: ClassInfo;
  renameClass: ClassInfo;
  recolorClass: ClassInfo;
  mergeClasses: { moved: number; history: LabelHistoryState };
  deleteClass: { unlabelled: number; history: LabelHistoryState };
  undoLabels: { changed: number; history: LabelHistoryState };
  redoLabels: { changed: number; history: LabelHistoryState };
  labelHistory: { changes: LabelChange[]; state: LabelHistoryState };
  suggestLabels: { strategy: 'diversity' | 'uncertainty+diversity'; suggestions: Suggestion[] };
  similarImages: { image: ImageItem; similarity: number }[];
  writeLabelsCsv: { labelled: number };
  listImageIds: number[];
  getImages: ImageItem[];
  setLabels: { changed: number; history: LabelHistoryState };
  importLabelsCsv: { labelled: number; unmatched: string[] };
  getMap: MapPoint[];
  startPretrain: JobSnapshot;
  startEmbed: JobSnapshot;
  startFinetune: JobSnapshot;
  startExport: JobSnapshot;
  startPredictImage: JobSnapshot;
  startClusterExport: JobSnapshot;
  startEncoderImport: JobSnapshot;
  writePredictionsCsv: { predicted: number };
  cancelJob: { cancelled: boolean };
  runHistory: RunHistory;
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
  /**
   * One part of the project changed; clients refetch what they show of it. 'runs': a pretraining, fine-tune
   * or export ended (the run list, whether there is an encoder or a classifier). 'project': another project
   * was opened, or events may have been missed (a reconnect): everything.
   */
  projectChanged: { what: 'images' | 'labels' | 'classes' | 'embeddings' | 'predictions' | 'runs' | 'project' };
}
export type EventName = keyof StudioEvents;

/** An error whose message is meant for the user, e.g. "photo.jpg: not an image (unsupported format)". */
export class StudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudioError';
  }
}

/** A call to a command the API does not have (a typo, a client newer than the engine). */
export class UnknownCommandError extends StudioError {
  constructor(command: string) {
    super(`Unknown command "${command}"`);
    this.name = 'UnknownCommandError';
  }
}

/** Parses a command's arguments, turning schema failures into one readable sentence. */
export function parseArgs<C extends CommandName>(command: C, args: unknown): z.output<(typeof commandSchemas)[C]> {
  // An own-property check: "constructor" or "__proto__" must not reach Object's members.
  if (!isCommandName(String(command))) throw new UnknownCommandError(String(command));
  const parsed = commandSchemas[command].safeParse(args ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`);
    throw new StudioError(`Invalid arguments for ${command}: ${issues.join('; ')}`);
  }
  return parsed.data as z.output<(typeof commandSchemas)[C]>;
}

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commandSchemas, name);
}
