import type { JobSnapshotOf, RunLossPoint } from '../../../shared/contract';

const maxPoints = 1500;

/** The live pretraining job's loss after each step it reported this session. */
export class LossCurve {
  #points = $state.raw<RunLossPoint[]>([]);
  #jobId: string | null = null;

  get points(): RunLossPoint[] {
    return this.#points;
  }

  record(job: JobSnapshotOf<'pretrain'>) {
    if (this.#jobId !== job.id) {
      this.#jobId = job.id;
      this.#points = [];
    }
    const loss = job.metrics.loss;
    if (loss === undefined || !Number.isFinite(loss)) return;
    const history = this.#points;
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
    if (next.length > maxPoints) next = next.filter((_, i) => i % 2 === 0 || i === next.length - 1);
    this.#points = next;
  }

  clear() {
    this.#points = [];
  }
}
