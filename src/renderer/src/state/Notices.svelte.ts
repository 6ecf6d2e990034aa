import type { JobKind } from '../../../shared/contract';
import { errorMessage } from '../lib/format';

/**
 * What a notice is about: a job kind, opening a project, or reaching the engine at all. When that same thing
 * next succeeds (or a new run of that job starts), the notice is out of date and goes.
 */
export type NoticeTopic = JobKind | 'project' | 'connection';

export interface Notice {
  id: number;
  message: string;
  /** Null for a one-off failure (a label that could not be set, say): it stays until dismissed or the project changes. */
  topic: NoticeTopic | null;
}

/** The failures the banner shows, each until it is dismissed or what it is about next works. */
export class Notices {
  #list = $state.raw<Notice[]>([]);
  #lastId = 0;

  get list(): Notice[] {
    return this.#list;
  }

  /** Shows a failure; a newer one about the same topic replaces the older, which no longer describes what is wrong. */
  report(error: unknown, topic: NoticeTopic | null = null) {
    const message = errorMessage(error);
    const others = topic ? this.#list.filter((n) => n.topic !== topic) : this.#list;
    if (others.some((n) => n.message === message)) return;
    this.#list = [...others, { id: ++this.#lastId, message, topic }];
  }

  dismiss(id: number) {
    this.#list = this.#list.filter((n) => n.id !== id);
  }

  /** The thing a topic names worked this time, so what went wrong with it before is over. */
  resolve(topic: NoticeTopic) {
    if (this.#list.some((n) => n.topic === topic)) this.#list = this.#list.filter((n) => n.topic !== topic);
  }

  clear() {
    this.#list = [];
  }

  /** Runs a command, showing its error instead of throwing; with a topic, success clears its notices. */
  async attempt<T>(action: () => Promise<T>, topic: NoticeTopic | null = null): Promise<T | undefined> {
    try {
      const result = await action();
      if (topic) this.resolve(topic);
      return result;
    } catch (error) {
      this.report(error, topic);
      return undefined;
    }
  }
}
