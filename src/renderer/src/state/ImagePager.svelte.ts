import { untrack } from 'svelte';
import type { StudioClient } from '../../../shared/client';
import type { ImageFilter, ImageItem } from '../../../shared/contract';

export interface ImageQuery {
  filter: ImageFilter;
  classId?: number;
}

/**
 * A window onto `listImages` for a virtualised grid: pages are fetched when rows come into view and kept
 * until the query changes; `refresh` refetches what is in view without blanking it first.
 */
export class ImagePager {
  readonly #client: StudioClient;
  readonly #pageSize: number;
  readonly #onError: (error: unknown) => void;
  #query = $state.raw<ImageQuery>({ filter: 'all' });
  #pages = $state.raw(new Map<number, ImageItem[]>());
  #total = $state(0);
  #loaded = $state(false);
  #started = false;
  #inFlight = new Set<number>();
  #generation = 0;
  #visible: [number, number] = [0, 0];

  constructor(client: StudioClient, onError: (error: unknown) => void, pageSize = 200) {
    this.#client = client;
    this.#onError = onError;
    this.#pageSize = pageSize;
  }

  get query(): ImageQuery {
    return this.#query;
  }
  get total(): number {
    return this.#total;
  }
  /** False until the first page of the current query arrived. */
  get loaded(): boolean {
    return this.#loaded;
  }

  item(index: number): ImageItem | undefined {
    return this.#pages.get(Math.floor(index / this.#pageSize))?.[index % this.#pageSize];
  }

  /** The loaded items with index in [from, to), for range selection. */
  itemsBetween(from: number, to: number): ImageItem[] {
    const items: ImageItem[] = [];
    for (let i = from; i < to; i++) {
      const item = this.item(i);
      if (item) items.push(item);
    }
    return items;
  }

  indexOf(imageId: number): number {
    for (const [page, items] of this.#pages) {
      const at = items.findIndex((item) => item.id === imageId);
      if (at >= 0) return page * this.#pageSize + at;
    }
    return -1;
  }

  setQuery(query: ImageQuery) {
    const current = untrack(() => this.#query);
    if (this.#started && current.filter === query.filter && current.classId === query.classId) return;
    this.#started = true;
    this.#query = query;
    this.#generation++;
    this.#inFlight.clear();
    this.#pages = new Map();
    this.#total = 0;
    this.#loaded = false;
    this.#fetch(0, this.#generation);
  }

  /** Makes sure items [from, to) are loaded or on their way. */
  ensure(from: number, to: number) {
    this.#visible = [from, to];
    untrack(() => {
      for (const page of this.#pagesOf(from, to)) {
        if (!this.#pages.has(page)) this.#fetch(page, this.#generation);
      }
    });
  }

  /** The data changed on the engine: refetch the pages in view, forget the rest. */
  refresh() {
    const generation = ++this.#generation;
    this.#inFlight.clear();
    const wanted = new Set([0, ...this.#pagesOf(...this.#visible)]);
    untrack(() => {
      const kept = new Map([...this.#pages].filter(([page]) => wanted.has(page)));
      this.#pages = kept;
    });
    for (const page of wanted) this.#fetch(page, generation, true);
  }

  /** Shows a label change at once; the engine's change event brings the authoritative data after. */
  patchLabels(imageIds: readonly number[], labelId: number | null) {
    const ids = new Set(imageIds);
    untrack(() => {
      const pages = new Map<number, ImageItem[]>();
      for (const [page, items] of this.#pages) {
        pages.set(page, items.map((item) => (ids.has(item.id) ? { ...item, labelId } : item)));
      }
      this.#pages = pages;
    });
  }

  *#pagesOf(from: number, to: number) {
    if (to <= from) return;
    const last = Math.floor((to - 1) / this.#pageSize);
    for (let page = Math.floor(from / this.#pageSize); page <= last; page++) yield page;
  }

  #fetch(page: number, generation: number, force = false) {
    if (this.#inFlight.has(page) && !force) return;
    this.#inFlight.add(page);
    const query = untrack(() => this.#query);
    this.#client
      .listImages({ ...query, offset: page * this.#pageSize, limit: this.#pageSize })
      .then(({ total, items }) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(page);
        this.#total = total;
        this.#loaded = true;
        const pages = new Map(untrack(() => this.#pages));
        pages.set(page, items);
        this.#pages = pages;
      })
      .catch((error: unknown) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(page);
        this.#loaded = true;
        this.#onError(error);
      });
  }
}
