/** The CLI's commands: each maps its flags onto one engine call (and waits for the job it starts). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import type { ClusterExportResult, ClusterInitialWeights, EncoderImportResult, ExportModelFormat, ExportResult, PredictImageResult, FinetuneOptions, FinetuneResult, ImportResult, JobSnapshot, PretrainOptions, PretrainResult, EmbedResult, ProjectStatus } from '../shared/contract';
import { StudioError, backendNames, clusterInitialWeights, exportModelFormats, imageFolderModes, type ImageFolderMode } from '../shared/contract';
import { formatBytes } from '../shared/bytes';
import type { Engine } from '../main/engine/engine';
import type { StudioClient } from '../shared/client';
import { startHttpServer } from '../main/transports/http-server';
import { describeCandidate, percent } from '../shared/candidate-score';
import { describeEstimate } from '../shared/pretrain-estimate';

type Values = Record<string, string | boolean | undefined>;

export interface CliContext {
  engine: Engine;
  client: StudioClient;
  values: Values;
  positionals: string[];
  waitForJob: (job: JobSnapshot) => Promise<JobSnapshot>;
}

export interface CliCommand {
  summary: string;
  synopsis: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  needsProject?: boolean;
  /** Opening a --project folder that holds none creates one (import, serve); other commands refuse it. */
  createsProject?: boolean;
  /** Returns the JSON result, or undefined for commands that keep running (serve). */
  run(context: CliContext): Promise<object | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command describes its own result type
  describe?(output: any): string;
}

function number(values: Values, flag: string): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed)) throw new StudioError(`--${flag} must be a number, got "${String(raw)}"`);
  return parsed;
}

/** A `MIN,MAX` range, e.g. `--crop-scale 0.2,1`. */
function range(values: Values, flag: string): [number, number] | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new StudioError(`--${flag} must be MIN,MAX (two numbers), got "${String(raw)}"`);
  return [parts[0], parts[1]];
}

/** The augmentation flags that were given; the others keep the paper's values. */
function augmentFlags(values: Values): NonNullable<PretrainOptions['augment']> {
  const given = {
    cropScale: range(values, 'crop-scale'),
    cropRatio: range(values, 'crop-ratio'),
    flipProb: number(values, 'flip-prob'),
    colorJitterProb: number(values, 'jitter-prob'),
    grayscaleProb: number(values, 'grayscale-prob'),
    blurProb: number(values, 'blur-prob'),
    blurSigma: range(values, 'blur-sigma'),
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

function required(values: Values, flag: string): string {
  const value = values[flag];
  if (typeof value !== 'string' || !value) throw new StudioError(`--${flag} <value> is required`);
  return value;
}

async function resultOf<R>(context: CliContext, started: Promise<JobSnapshot>): Promise<R> {
  const final = await context.waitForJob(await started);
  return final.result as R;
}

const str = { type: 'string' } as const;

/** What a pretraining run trains, the same for an in-app run (pretrain) and a cluster job (job export). */
const trainingFlags = {
  preset: str,
  encoder: str,
  optimizer: str,
  epochs: str,
  batch: str,
  'image-size': str,
  temperature: str,
  lr: str,
  'lr-scaling': str,
  seed: str,
  'color-strength': str,
  'crop-scale': str,
  'crop-ratio': str,
  'flip-prob': str,
  'jitter-prob': str,
  'grayscale-prob': str,
  'blur-prob': str,
  'blur-sigma': str,
} as const;

const trainingSynopsis =
  '[--preset cpu|balanced|paper] [--encoder resnet-tiny|resnet-mini|resnet18|resnet50] [--epochs N] [--batch N] [--image-size N] [--temperature T] [--optimizer adam|lars] [--lr X] [--lr-scaling sqrt|linear] [--seed N] [--color-strength S] [--crop-scale MIN,MAX] [--crop-ratio MIN,MAX] [--flip-prob P] [--jitter-prob P] [--grayscale-prob P] [--blur-prob P] [--blur-sigma MIN,MAX]';

function trainingOptions(values: Values) {
  return {
    preset: values.preset as PretrainOptions['preset'],
    encoder: values.encoder as PretrainOptions['encoder'],
    optimizer: values.optimizer as PretrainOptions['optimizer'],
    epochs: number(values, 'epochs'),
    batchSize: number(values, 'batch'),
    imageSize: number(values, 'image-size'),
    temperature: number(values, 'temperature'),
    learningRate: number(values, 'lr'),
    lrScaling: values['lr-scaling'] as PretrainOptions['lrScaling'],
    colorStrength: number(values, 'color-strength'),
    augment: augmentFlags(values),
    seed: number(values, 'seed'),
  };
}

export const commands: Record<string, CliCommand> = {
  import: {
    summary: 'Import every image under a folder (recursively); again on the same folder, rescan it',
    synopsis: 'import <folder> [<folder or file>...] [--labels-from-folders]',
    options: { 'labels-from-folders': { type: 'boolean' } },
    createsProject: true,
    async run(context) {
      const paths = context.positionals.map((p) => resolve(p));
      if (paths.length === 0) throw new StudioError('import needs a folder: simclr-studio import <folder> --project <dir>');
      const labelsFromSubfolders = context.values['labels-from-folders'] === true;
      const started =
        paths.length === 1
          ? context.client.importFolder({ folder: paths[0], labelsFromSubfolders })
          : context.client.importPaths({ paths, labelsFromSubfolders });
      return resultOf<ImportResult>(context, started);
    },
    describe: (r: ImportResult) =>
      [
        `Imported ${r.imported} images (${r.added} new, ${r.changed} changed; ${r.duplicates} duplicates, ${r.moved} moved, ${r.missing} missing, ${r.failed.length} failed).`,
        ...(r.labelled ? [`Labelled ${r.labelled} images from their sub-folders.`] : []),
        ...r.failed.map((f) => `  ${f.path}: ${f.reason}`),
      ].join('\n'),
  },
  pretrain: {
    summary: 'Pretrain the SimCLR encoder on all images, without labels',
    synopsis: `pretrain ${trainingSynopsis} [--time-budget SECONDS] [--micro-batch N] [--resume] [--dry-run]`,
    options: { ...trainingFlags, 'time-budget': str, 'micro-batch': str, resume: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    async run(context) {
      const { values } = context;
      return resultOf<PretrainResult>(
        context,
        context.client.startPretrain({
          ...trainingOptions(values),
          timeBudgetSeconds: number(values, 'time-budget'),
          microBatchSize: number(values, 'micro-batch'),
          resume: values.resume === true ? true : undefined,
          dryRun: values['dry-run'] === true ? true : undefined,
        }),
      );
    },
    describe: (r: PretrainResult) =>
      r.estimate
        ? describeEstimate(r.estimate, r.options, r.backend)
        : `Pretrained ${r.options.encoder} (preset ${r.options.preset}) for ${r.epochs} epochs on ${r.backend}; final loss ${r.loss.toFixed(4)}.`,
  },
  embed: {
    summary: 'Compute every image’s embedding and the 2-D map',
    synopsis: 'embed [--batch N]',
    options: { batch: str },
    async run(context) {
      return resultOf<EmbedResult>(context, context.client.startEmbed({ batchSize: number(context.values, 'batch') }));
    },
    describe: (r: EmbedResult) => `Embedded ${r.embedded} images; ${r.mapped} placed on the map.`,
  },
  label: {
    summary: 'Label images from a CSV of path,label rows',
    synopsis: 'label --csv <file>',
    options: { csv: str },
    async run({ client, values }) {
      const outcome = await client.importLabelsCsv({ csvPath: resolve(required(values, 'csv')) });
      if (outcome.unmatched.length) {
        process.stderr.write(`${outcome.unmatched.length} rows matched no imported image, e.g. ${outcome.unmatched.slice(0, 3).join(', ')}\n`);
      }
      return { labelled: outcome.labelled };
    },
    describe: (r: { labelled: number }) => `Labelled ${r.labelled} images.`,
  },
  labels: {
    summary: 'Write path,label for every labelled image',
    synopsis: 'labels --out <csv>',
    options: { out: str },
    run: ({ client, values }) => client.writeLabelsCsv({ outPath: resolve(required(values, 'out')) }),
    describe: (r: { labelled: number }) => `Wrote labels of ${r.labelled} images.`,
  },
  'test-set': {
    summary: 'Keep a share of every class\'s labels as a test set that no fine-tune trains on or chooses by',
    synopsis: 'test-set --fraction F   (0 empties it; at most 0.5)',
    options: { fraction: str },
    run({ client, values }) {
      required(values, 'fraction');
      return client.holdOutTestSet({ fraction: number(values, 'fraction')! });
    },
    describe: (r: { testImages: number }) =>
      r.testImages > 0 ? `${r.testImages} labelled images are the test set; the next fine-tune reports its accuracy on them.` : 'No test set: fine-tunes are measured by cross-validation only.',
  },
  suggest: {
    summary: 'List the images worth labelling next (needs the map: run embed first)',
    synopsis: 'suggest [--count N]',
    options: { count: str },
    async run({ client, values }) {
      const { strategy, suggestions } = await client.suggestLabels({ count: number(values, 'count') });
      return { strategy, suggestions: suggestions.map((s) => ({ path: s.image.path, reason: s.reason, score: s.score })) };
    },
    describe: (r: { strategy: string; suggestions: { path: string; reason: string; score: number }[] }) =>
      [`Label these next (${r.strategy}):`, ...r.suggestions.map((s) => `  ${s.path}  ${s.reason} ${s.score.toFixed(3)}`)].join('\n'),
  },
  finetune: {
    summary: 'Fine-tune a classifier on the pretrained encoder with the labelled images',
    synopsis: 'finetune [--epochs N] [--batch N] [--lr X] [--features head|h]',
    options: { epochs: str, batch: str, lr: str, features: str },
    async run(context) {
      const { values } = context;
      const result = await resultOf<FinetuneResult>(
        context,
        context.client.startFinetune({
          epochs: number(values, 'epochs'),
          batchSize: number(values, 'batch'),
          learningRate: number(values, 'lr'),
          features: values.features as FinetuneOptions['features'],
        }),
      );
      const { labelled, validated, valAccuracy, trainAccuracy, chosen, candidates, advice } = result;
      const className = new Map((await context.client.listClasses({})).map((c) => [c.id, c.name]));
      const labelIssues = result.labelIssues.map((issue) => ({ path: issue.path, label: className.get(issue.labelId), suggested: className.get(issue.suggestedId), score: issue.score }));
      const heldOut = result.heldOut && {
        candidate: result.heldOut.candidate,
        measuredOn: result.heldOut.measuredOn,
        classes: result.heldOut.classes.map(({ classId, ...scores }) => ({ class: className.get(classId) ?? String(classId), ...scores })),
        confusion: result.heldOut.confusion,
      };
      return { labelled, validated, valAccuracy, trainAccuracy, chosen, candidates, heldOut, test: result.test, advice, labelIssues };
    },
    describe: (r: Omit<FinetuneResult, 'predicted' | 'labelIssues' | 'heldOut'> & { heldOut: NamedHeldOut | null; labelIssues: { path: string; label?: string; suggested?: string }[] }) =>
      [
        r.valAccuracy === null
          ? `Fine-tuned on ${r.labelled} labelled images; with one label a class nothing can be held out to measure it (training accuracy ${(r.trainAccuracy * 100).toFixed(1)} %).`
          : `Chose ${describeCandidate(r.candidates.find((c) => c.name === r.chosen)!)}; trained it on all ${r.labelled} labels.`,
        'The same labels used every way measured (95 % intervals):',
        ...r.candidates.map((c) => `  ${describeCandidate(c)}`),
        ...(r.heldOut ? describeHeldOut(r.heldOut) : []),
        ...(r.test ? [`On the test set (${r.test.images} labelled images no fit or choice saw): ${percent(r.test.accuracy)} (${percent(r.test.interval[0])}–${percent(r.test.interval[1])}), ${r.test.correct} right.`] : []),
        ...(r.advice ? [r.advice] : []),
        ...(r.labelIssues.length > 0 ? [`${r.labelIssues.length} labels look wrong (likeliest first; the UI lists them under "Possibly mislabelled"):`] : []),
        ...r.labelIssues.slice(0, 10).map((issue) => `  ${issue.path}: labelled ${issue.label}, looks like ${issue.suggested}`),
      ].join('\n'),
  },
  predict: {
    summary: 'Write path,label,confidence for every image, or classify one image file from anywhere',
    synopsis: 'predict --out <csv> | predict --image <file> [--top K]',
    options: { out: str, image: str, top: str },
    run(context) {
      const { client, values } = context;
      if (values.image === undefined) return client.writePredictionsCsv({ outPath: resolve(required(values, 'out')) });
      return resultOf<PredictImageResult>(context, client.startPredictImage({ path: resolve(values.image as string), top: number(values, 'top') ?? 5 }));
    },
    describe: (r: { predicted: number } | PredictImageResult) =>
      'predicted' in r
        ? `Wrote predictions for ${r.predicted} images.`
        : [
            `${r.path}: ${r.top[0].label} (${percent(r.top[0].probability)})`,
            ...r.top.map((t) => `  ${percent(t.probability).padStart(7)}  ${t.label}`),
            ...(r.neighbours.length > 0 ? ['Most like these labelled images (cosine similarity of h):', ...r.neighbours.map((n) => `  ${n.similarity.toFixed(3)}  ${n.label}  ${n.path}`)] : []),
          ].join('\n'),
  },
  job: {
    summary: 'Hand pretraining to PyTorch (torchrun, any number of GPUs) and bring the trained encoder back',
    synopsis: `job export --out <dir> [--from fresh|project] [--replace] ${trainingSynopsis} | job import <encoder.safetensors>`,
    options: { ...trainingFlags, out: str, from: str, replace: { type: 'boolean' } },
    run(context) {
      const { client, values, positionals } = context;
      const [action, file] = positionals;
      if (action === 'import') {
        if (!file) throw new StudioError('job import needs the trained encoder: simclr-studio job import <job>/run/encoder.safetensors');
        return resultOf<EncoderImportResult>(context, client.startEncoderImport({ path: resolve(file) }));
      }
      if (action !== 'export') throw new StudioError('job needs export or import: simclr-studio job export --out <dir> | job import <encoder.safetensors>');
      const from = values.from as ClusterInitialWeights | undefined;
      if (from !== undefined && !(clusterInitialWeights as readonly string[]).includes(from)) throw new StudioError(`--from is ${clusterInitialWeights.join(' or ')}`);
      return resultOf<ClusterExportResult>(context, client.startClusterExport({ ...trainingOptions(values), outDir: resolve(required(values, 'out')), initialWeights: from, replace: values.replace === true }));
    },
    describe: (r: ClusterExportResult | EncoderImportResult) =>
      'command' in r
        ? [
            `Wrote the pretraining job for ${r.images} images (${r.shards} shard${r.shards === 1 ? '' : 's'}, ${r.options.encoder} at ${r.options.imageSize} px, batch ${r.options.batchSize}, ${r.options.epochs} epochs) to ${r.dir}.`,
            'Train it with PyTorch, in that folder (N processes, one per GPU):',
            `  ${r.command}`,
            'then bring the encoder back:',
            `  simclr-studio job import ${join(r.dir, 'run', 'encoder.safetensors')}`,
          ].join('\n')
        : `Imported ${r.encoder} at ${r.imageSize} px (step ${r.step}, epoch ${r.epoch}${r.loss === null ? '' : `, loss ${r.loss.toFixed(4)}`}, trained with ${r.trainer}); run embed and finetune to use it.`,
  },
  export: {
    summary: 'Export the classifier (ONNX, TensorFlow.js), the encoder, embeddings, labels, a model card and predict scripts',
    synopsis: 'export --out <dir> [--format onnx,tfjs] [--no-encoder] [--no-embeddings] [--image-folder symlink|copy] [--replace]',
    options: { format: str, out: str, 'no-encoder': { type: 'boolean' }, 'no-embeddings': { type: 'boolean' }, 'image-folder': str, replace: { type: 'boolean' } },
    async run(context) {
      const { values } = context;
      const formats = ((values.format as string | undefined) ?? exportModelFormats.join(',')).split(',').map((f) => f.trim());
      const unknown = formats.find((f) => !(exportModelFormats as readonly string[]).includes(f));
      if (unknown) throw new StudioError(`--format ${unknown} is not supported; use ${exportModelFormats.join(', ')} (comma-separated for several)`);
      const imageFolder = (values['image-folder'] as string | undefined) ?? 'none';
      if (!(imageFolderModes as readonly string[]).includes(imageFolder)) throw new StudioError(`--image-folder ${imageFolder}: use symlink or copy`);
      const options = {
        outDir: resolve(required(values, 'out')),
        formats: formats as ExportModelFormat[],
        encoder: values['no-encoder'] !== true,
        embeddings: values['no-embeddings'] !== true,
        imageFolder: imageFolder as ImageFolderMode,
        replace: values.replace === true,
      };
      return resultOf<ExportResult>(context, context.client.startExport(options));
    },
    describe: (r: ExportResult) => [`Wrote ${r.dir}:`, ...r.files.map((f) => `  ${f.path.slice(r.dir.length + 1).padEnd(20)} ${formatBytes(f.bytes).padStart(9)}  ${f.description}`)].join('\n'),
  },
  status: {
    summary: 'Counts, the tfjs backend and the runs with their metrics',
    synopsis: 'status',
    run: ({ client }) => client.status({}),
    describe: describeStatus,
  },
  serve: {
    summary: 'Serve the browser UI on 127.0.0.1',
    synopsis: 'serve [--port N] [--project <dir>] [--api-only]',
    createsProject: true,
    // --api-only: for scripts and tests that call the API and need no UI (nor its first-run build).
    options: { port: str, 'api-only': { type: 'boolean' } },
    needsProject: false,
    async run({ engine, values }) {
      const apiOnly = values['api-only'] === true;
      const rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
      if (!apiOnly && !existsSync(join(rendererDir, 'index.html'))) buildRenderer();
      const server = await startHttpServer({ engine, rendererDir: apiOnly ? undefined : rendererDir, port: number(values, 'port') ?? 5178 });
      process.stdout.write(`SimCLR Studio is serving ${apiOnly ? 'its API' : 'the browser UI'} at\n  ${server.openUrl}\nPress Ctrl-C to stop.\n`);
      if (values.json) process.stdout.write(JSON.stringify({ url: server.url, openUrl: server.openUrl, token: server.token }) + '\n');
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
      return undefined;
    },
  },
};

/** The project's counts, what is stale and why, the running job and the last runs, as `status` prints them. */
function describeStatus(s: ProjectStatus): string {
  if (!s.project) return `No project open (backend ${s.backend}).`;
  const lines = [
    `Project ${s.project} (backend ${s.backend}${s.backendForced ? ', forced' : ''})`,
    `  ${s.images} images (${s.failed} failed to import, ${s.duplicates} duplicate paths); ${s.labelled} labelled in ${s.classes} classes, ${s.testImages} kept as a test set`,
    `  encoder: ${s.hasPretrainedEncoder ? 'pretrained' : 'not pretrained yet'}; ${s.embeddings} embeddings; classifier: ${s.hasClassifier ? `trained, ${s.predictions} predictions, ${s.labelIssues} labels flagged` : 'none yet'}`,
  ];
  const redo = { embeddings: 'embed', map: 'embed', predictions: 'finetune' } as const;
  if (s.stale.length > 0) {
    lines.push(`  stale, computed with an encoder pretraining has replaced since: ${s.stale.map((o) => `${o} (run \`${redo[o]}\`)`).join(', ')}`);
  }
  if (s.activeJob) lines.push(`  running: ${s.activeJob.kind}, ${s.activeJob.message}`);
  for (const run of s.runs.slice(0, 5)) lines.push(`  run ${run.id}: ${run.kind} ${run.state}, started ${run.startedAt}`);
  return lines.join('\n');
}

/** A fresh clone has no built UI yet; build it once rather than serve an empty page. */
function buildRenderer(): void {
  process.stderr.write('Building the browser UI (first run)…\n');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new StudioError('Building the browser UI failed; run `npm run build` to see why');
}

export function usage(): string {
  const lines = Object.values(commands).map((c) => `  ${c.synopsis.padEnd(40)}  ${c.summary}`);
  return [
    `Usage: simclr-studio <command> --project <dir> [--json] [--backend ${backendNames.join('|')}]`,
    '',
    'Commands:',
    ...lines,
    '',
    'With --json the last line on stdout is one JSON object.',
    '',
  ].join('\n');
}

/** The held-out report with class names in place of ids, as the CLI prints it. */
interface NamedHeldOut {
  candidate: string;
  measuredOn: string;
  classes: { class: string; support: number; precision: number | null; recall: number | null }[];
  confusion: number[][];
}

function describeHeldOut(report: NamedHeldOut): string[] {
  const share = (x: number | null) => (x === null ? '—' : percent(x));
  const width = Math.max(5, ...report.classes.map((c) => c.class.length));
  return [
    `Where ${report.candidate} goes wrong, by ${report.measuredOn} (rows: labelled; columns: predicted):`,
    ...report.classes.map((c, i) => `  ${c.class.padEnd(width)}  ${report.confusion[i].map((n) => String(n).padStart(4)).join('')}   precision ${share(c.precision)}, recall ${share(c.recall)} of ${c.support}`),
  ];
}
