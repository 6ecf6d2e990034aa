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

/** done: the step's output exists; ready: it can run now; blocked: an earlier step comes first. */
export type StepState = 'done' | 'ready' | 'blocked' | 'running';

export interface StepProgress {
  state: StepState;
  detail: string;
}
