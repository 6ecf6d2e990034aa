import type { StudioClient } from '../../../../shared/client';
import type { RunHistory, RunLossPoint } from '../../../../shared/contract';

/**
 * The pretraining run the page shows, as the project keeps it (its options, log and loss curve), so a page
 * reopened after a reload or a restart shows the run again. Refetched as the run goes; live steps that arrive
 * between fetches continue the kept curve.
 */
export class ShownRun {
  #history = $state.raw<RunHistory | null>(null);
  #wanted: number | null = null;
  readonly #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get history(): RunHistory | null {
    return this.#history;
  }

  /** Reads the run from the project; a reply for a run no longer wanted is dropped. */
  async load(runId: number | null): Promise<void> {
    this.#wanted = runId;
    if (runId === null) {
      this.#history = null;
      return;
    }
    const history = await this.#client.runHistory({ runId });
    if (this.#wanted === runId) this.#history = history;
  }

  /** The kept curve, then the live steps (of the same run) newer than it. */
  points(live: RunLossPoint[]): RunLossPoint[] {
    const kept = this.#history?.losses ?? [];
    const lastKept = kept.at(-1)?.step ?? -Infinity;
    return [...kept, ...live.filter((point) => point.step > lastKept)];
  }
}
