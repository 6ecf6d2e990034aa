import type { StudioEvents } from '../../../shared/contract';

export type ChangeKind = StudioEvents['projectChanged']['what'];
export type Revisions = Record<ChangeKind, number>;

/** A counter per part of the project, bumped when the engine says it changed; a view reads one in an effect to refetch. */
export class ChangeCounters {
  readonly counts = $state<Revisions>({ images: 0, labels: 0, classes: 0, embeddings: 0, predictions: 0, runs: 0, project: 0 });

  /** 'project' (another project, or events possibly missed) changes everything. */
  bump(what: ChangeKind) {
    if (what === 'project') this.bumpAll();
    else this.counts[what] += 1;
  }

  bumpAll() {
    for (const key of Object.keys(this.counts) as ChangeKind[]) this.counts[key] += 1;
  }
}
