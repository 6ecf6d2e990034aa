import type { LabelHistoryState } from '../../../../shared/contract';
import type { Workspace } from '../../state/Workspace.svelte.ts';

const empty: LabelHistoryState = { canUndo: false, canRedo: false, nextUndo: null, nextRedo: null };

/** The undo/redo state of label changes, as the engine keeps it (so it survives a reload and spans windows). */
export class LabelHistory {
  readonly #ws: Workspace;
  #state = $state.raw<LabelHistoryState>(empty);
  #busy = $state(false);

  constructor(ws: Workspace) {
    this.#ws = ws;
  }

  get state(): LabelHistoryState {
    return this.#state;
  }
  get busy(): boolean {
    return this.#busy;
  }

  /** Every label-changing command answers with the new history state. */
  note(state: LabelHistoryState | undefined) {
    if (state) this.#state = state;
  }

  async load() {
    const answer = await this.#ws.attempt(() => this.#ws.client.labelHistory({ limit: 1 }));
    if (answer) this.#state = answer.state;
  }

  undo(): Promise<void> {
    return this.#step(() => this.#ws.client.undoLabels({}), this.#state.canUndo);
  }

  redo(): Promise<void> {
    return this.#step(() => this.#ws.client.redoLabels({}), this.#state.canRedo);
  }

  async #step(command: () => Promise<{ history: LabelHistoryState }>, allowed: boolean) {
    if (!allowed || this.#busy) return;
    this.#busy = true;
    const answer = await this.#ws.attempt(command);
    this.#busy = false;
    this.note(answer?.history);
    void this.#ws.refresh(true);
  }
}
