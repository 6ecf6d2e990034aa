/**
 * The model card beside every export: what the model is, what it was trained and measured on, how it was chosen,
 * how to feed it, and where it came from; as MODEL_CARD.md for people and model-card.json for tools. Every figure
 * in it comes from the project's own records; one that nothing measured is written as not measured.
 */
import { createHash } from 'node:crypto';
import type { CandidateScore, FinetuneResult, RunInfo, RunInfoOf } from '../../../shared/contract';
import { formatBytes } from '../../../shared/bytes';
import { percent } from '../../../shared/candidate-score';
import { readImportRecord, type ImportRecord } from '../ml/files/checkpoint-layout';
import type { ProjectStore } from '../store/project-store';
import type { Dataset } from './label-files';
import { appVersion } from './model-files';

export interface EncoderDescription {
  name: string;
  imageSize: number;
  parameters: number;
  representationDim: number;
  version: string | null;
}

export interface CardFile {
  path: string;
  bytes: number;
  description: string;
}

export interface ModelCard {
  app: string;
  exportedAt: string;
  model: { chosen: FinetuneResult['chosen'] | null; classes: string[]; encoder: EncoderDescription };
  classes: { name: string; train: number; test: number; predicted: number }[];
  data: { images: number; labelled: number; fingerprint: string };
  evaluation: {
    candidates: CandidateScore[];
    chosenAccuracy: number | null;
    chosenInterval: [number, number] | null;
    measuredOn: string | null;
    test: FinetuneResult['test'];
    advice: string | null;
  } | null;
  pretraining: { runId: number; state: string; startedAt: string; finishedAt: string | null; backend: string | null; options: Record<string, unknown>; loss: number | null } | null;
  /** Set when the encoder was trained outside the app (a cluster job) and imported; pretraining is then null. */
  importedEncoder: ImportRecord | null;
  /** Outputs computed with another encoder than the exported one (re-run embed or fine-tune to refresh them). */
  stale: string[];
  preprocessing: object;
  files: CardFile[];
}

/** sha256 of the images' sorted content hashes: the same set of files gives the same fingerprint anywhere. */
export function datasetFingerprint(store: ProjectStore): string {
  return createHash('sha256').update(store.images.contentHashes().join('\n')).digest('hex');
}

const isPretrain = (run: RunInfo): run is RunInfoOf<'pretrain'> => run.kind === 'pretrain';

export function buildModelCard(store: ProjectStore, input: { dataset: Dataset; classNames: string[]; encoder: EncoderDescription; preprocessing: object; stale: string[]; files: CardFile[] }): ModelCard {
  const { dataset, classNames } = input;
  const finetune = store.runs.lastResult('finetune');
  const imported = readImportRecord(store.layout.pretrainCheckpoint);
  // An imported encoder replaced whatever the app had trained: no in-app run describes it.
  const pretrain = imported ? undefined : store.runs.list(1000).find(isPretrain);
  const chosen = finetune?.candidates.find((c) => c.name === finetune.chosen) ?? null;
  const labelled = (name: string, split: 'train' | 'test') => dataset.images.filter((i) => i.label === name && i.split === split).length;
  return {
    app: `SimCLR Studio ${appVersion}`,
    exportedAt: new Date().toISOString(),
    model: { chosen: finetune?.chosen ?? null, classes: classNames, encoder: input.encoder },
    classes: classNames.map((name) => ({
      name,
      train: labelled(name, 'train'),
      test: labelled(name, 'test'),
      predicted: dataset.images.filter((i) => i.predicted === name).length,
    })),
    data: { images: dataset.images.length, labelled: dataset.images.filter((i) => i.label !== null).length, fingerprint: datasetFingerprint(store) },
    evaluation: finetune && {
      candidates: finetune.candidates,
      chosenAccuracy: chosen?.accuracy ?? null,
      chosenInterval: chosen?.interval ?? null,
      measuredOn: chosen?.measuredOn ?? null,
      test: finetune.test,
      advice: finetune.advice,
    },
    pretraining: pretrain
      ? { runId: pretrain.id, state: pretrain.state, startedAt: pretrain.startedAt, finishedAt: pretrain.finishedAt, backend: pretrain.backend, options: pretrain.options, loss: pretrain.result?.loss ?? pretrain.metrics.loss ?? null }
      : null,
    importedEncoder: imported,
    stale: input.stale,
    preprocessing: input.preprocessing,
    files: input.files,
  };
}

const interval = (i: [number, number] | null) => (i ? `${percent(i[0])}–${percent(i[1])}` : 'n/a');

export function modelCardMarkdown(card: ModelCard): string {
  const { model, evaluation, pretraining, data } = card;
  const lines = [
    `# Model card: ${model.classes.length}-class image classifier`,
    '',
    `Exported by ${card.app} on ${card.exportedAt}.`,
    '',
    '## Classes',
    '',
    '| class | labelled (training) | labelled (test set) | predicted |',
    '| --- | --- | --- | --- |',
    ...card.classes.map((c) => `| ${c.name} | ${c.train} | ${c.test} | ${c.predicted} |`),
    '',
    `${data.images} images in the project, ${data.labelled} labelled. Data set fingerprint (sha256 of the images' sorted content hashes): \`${data.fingerprint}\`.`,
    '',
    '## How the model was chosen',
    '',
  ];
  if (!evaluation) lines.push('No fine-tuning run with a result is recorded: nothing was measured.');
  else {
    lines.push(
      `Chosen: **${model.chosen}**${evaluation.chosenAccuracy === null ? ' (nothing could be held out to measure it)' : `, ${percent(evaluation.chosenAccuracy)} (95 % interval ${interval(evaluation.chosenInterval)}) by ${evaluation.measuredOn}`}. Every way was measured on the same folds:`,
      '',
      '| way | accuracy | 95 % interval | measured on |',
      '| --- | --- | --- | --- |',
      ...evaluation.candidates.map((c) => `| ${c.description} | ${c.accuracy === null ? 'not measured' : percent(c.accuracy)} | ${interval(c.interval)} | ${c.measuredOn} |`),
      '',
      evaluation.test
        ? `On the test set (${evaluation.test.images} labelled images that no fit or choice saw): ${percent(evaluation.test.accuracy)}, 95 % interval ${interval(evaluation.test.interval)}.`
        : 'No test set was kept: the cross-validated figures above are the only measure.',
    );
    if (evaluation.advice) lines.push('', evaluation.advice);
  }
  lines.push(
    '',
    '## Encoder and pretraining',
    '',
    `${model.encoder.name} (${model.encoder.parameters.toLocaleString('en')} parameters, h of ${model.encoder.representationDim} dimensions) at ${model.encoder.imageSize}×${model.encoder.imageSize} px, pretrained with SimCLR on the project's images without labels; encoder version \`${model.encoder.version ?? 'unknown'}\`.`,
  );
  const imported = card.importedEncoder;
  if (imported) {
    lines.push('', `Pretrained outside the app by the cluster job ${imported.jobId} (${imported.trainer}): ${imported.step} steps, ${imported.epoch} epochs${imported.loss === null ? '' : `, last loss ${imported.loss.toFixed(4)}`}; imported ${imported.importedAt} from \`${imported.path}\`.`);
  }
  if (pretraining) lines.push('', `Pretraining run ${pretraining.runId} (${pretraining.state}), ${pretraining.startedAt} to ${pretraining.finishedAt ?? '–'} on ${pretraining.backend ?? 'an unrecorded backend'}; last loss ${pretraining.loss?.toFixed(4) ?? 'not recorded'}; options: \`${JSON.stringify(pretraining.options)}\`.`);
  if (card.stale.length > 0) lines.push('', `**Stale:** the project's ${card.stale.join(' and ')} came from an earlier encoder than this one; the CSVs and dataset.json carry them as they are. Re-run embed and fine-tune to refresh them.`);
  lines.push(
    '',
    '## Input',
    '',
    '`model.onnx` takes `image`, float32 NHWC `[batch, S, S, 3]` with values in [0, 1], and returns `probabilities` (and `logits`, where the model ends in a softmax layer) in the order of `classes.json`. Build the input exactly as `predict.py` / `predict.mjs` do:',
    '',
    '```json',
    JSON.stringify(card.preprocessing, null, 2),
    '```',
    '',
    '## Files',
    '',
    '| file | size | what it is |',
    '| --- | --- | --- |',
    ...card.files.map((f) => `| \`${f.path}\` | ${f.bytes > 0 ? formatBytes(f.bytes) : '–'} | ${f.description} |`),
    '',
  );
  return lines.join('\n');
}
