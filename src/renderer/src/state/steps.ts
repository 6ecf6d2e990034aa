import type { JobKind, ProjectStatus } from '../../../shared/contract';
import { formatCount, formatPercent } from '../lib/format';

export const steps = [
  { id: 'project', title: 'Project' },
  { id: 'import', title: 'Import images' },
  { id: 'pretrain', title: 'Pretrain' },
  { id: 'map', title: 'Embedding map' },
  { id: 'label', title: 'Label' },
  { id: 'finetune', title: 'Fine-tune' },
  { id: 'export', title: 'Export' },
] as const;

export type StepId = (typeof steps)[number]['id'];

/**
 * done: the step's output exists; stale: it exists but came from an encoder pretraining has since replaced;
 * ready: it can run now; blocked: an earlier step comes first.
 */
export type StepState = 'done' | 'stale' | 'ready' | 'blocked' | 'running';

export interface StepProgress {
  state: StepState;
  detail: string;
}

/** Where each step of the flow stands for this project, as the sidebar shows it. */
export function stepProgress(s: ProjectStatus | null, running: (kind: JobKind) => boolean): Record<StepId, StepProgress> {
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
  /** A done step whose output an earlier encoder computed says so, with what brings it up to date. */
  const unlessStale = (progress: StepProgress, stale: boolean, action: string): StepProgress =>
    stale && progress.state === 'done' ? { state: 'stale', detail: `Stale: pretrained since; ${action}` } : progress;
  return {
    project: { state: 'done', detail: s.project },
    import: pick('import', hasImages, `${formatCount(s.images)} images`, 'Add a folder', null),
    pretrain: pick('pretrain', s.hasPretrainedEncoder, 'Encoder trained', 'Ready', hasImages ? null : 'Needs images'),
    map: unlessStale(
      pick('embed', s.embeddings > 0, `${formatCount(s.embeddings)} points`, 'Ready', hasImages ? null : 'Needs images'),
      s.stale.includes('embeddings') || s.stale.includes('map'),
      'recompute',
    ),
    label: hasImages
      ? {
          state: fraction >= s.labelTarget.min ? 'done' : 'ready',
          detail: `${formatCount(s.labelled)} labelled (${formatPercent(fraction)})`,
        }
      : blocked('Needs images'),
    finetune: unlessStale(
      pick('finetune', s.hasClassifier, 'Classifier trained', 'Ready', s.labelled > 0 ? null : 'Needs labels'),
      s.stale.includes('predictions'),
      'fine-tune again',
    ),
    export: pick('export', exported, 'Exported', 'Ready', s.hasClassifier ? null : 'Needs a classifier'),
  };
}
