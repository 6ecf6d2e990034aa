import { untrack } from 'svelte';
import type { StudioClient } from '../../../shared/client';
import type { ImageFilter, ImageItem, ImageSort } from '../../../shared/contract';

export interface ImageQuery {
  filter: ImageFilter;
  classId?: number;
  /** With the lowConfidence filter: predictions below this confidence. */
  maxConfidence?: number;
  /** With the heldOut filter (a confusion-matrix cell): the class predicted out of fold for images labelled classId. */
  predictedClassId?: number;
  sort?: ImageSort;
  /** A set of images chosen elsewhere (the map's selection), shown in its own order; `filter` is then not asked. */
  imageIds?: readonly number[];
}

/** Pages kept beyond the ones in view; the farthest are dropped first, so memory stays flat at 100,000 images. */
const keptPages = 24;
/** While the view moves, fetch at most once per this many ms, and only what is in view then. */
const fetchPause = 70;
/** listImages' largest page, for reading a long shift-click range in few calls. */
const largestPage = 5000;

function sameQuery(a: ImageQuery, b: ImageQuery): boolean {
  return (
    a.filter === b.filter &&
    a.classId === b.classId &&
    a.maxConfidence === b.maxConfidence &&
    a.predictedClassId === b.predictedClassId &&
    a.sort === b.sort &&
    a.imageIds === b.imageIds
  );
}

/**
 * A window onto `listImages` for a virtualised grid: pages are fetched when rows come into view (never the pages
 * scrolled past on the way) and a bounded number are kept; `refresh` refetches what is in view without blanking it.
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
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastFetchAt = 0;

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

  /** The loaded items with index in [from, to). */
  itemsBetween(from: number, to: number): ImageItem[] {
    const items: ImageItem[] = [];
    for (let i = from; i < to; i++) {
      const item = this.item(i);
      if (item) items.push(item);
    }
    return items;
  }

  /** Every image id with index in [from, to), asking the engine for the stretches that are not loaded. */
  async idsBetween(from: number, to: number): Promise<number[]> {
    const ids: number[] = [];
    const query = untrack(() => this.#query);
    let i = from;
    while (i < to) {
      const item = this.item(i);
      if (item) {
        ids.push(item.id);
        i++;
        continue;
      }
      let gapEnd = i + 1;
      while (gapEnd < to && gapEnd - i < largestPage && !this.item(gapEnd)) gapEnd++;
      const { items } = await this.#list(query, i, gapEnd - i);
      ids.push(...items.map((x) => x.id));
      i = gapEnd;
    }
    return ids;
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
    if (this.#started && sameQuery(current, query)) return;
    this.#started = true;
    this.#query = query;
    this.#generation++;
    this.#inFlight.clear();
    this.#pages = new Map();
    this.#total = 0;
    this.#loaded = false;
    this.#visible = [0, 0];
    this.#fetch(0, this.#generation);
  }

  /** Makes sure items [from, to) are loaded or on their way; a fast scroll fetches only where it stops. */
  ensure(from: number, to: number) {
    this.#visible = [from, to];
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastFetchAt + fetchPause - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#lastFetchAt = Date.now();
      untrack(() => {
        for (const page of this.#pagesOf(...this.#visible)) {
          if (!this.#pages.has(page)) this.#fetch(page, this.#generation);
        }
      });
    }, wait);
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

  dispose() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#generation++;
  }

  *#pagesOf(from: number, to: number) {
    if (to <= from) return;
    const last = Math.floor((to - 1) / this.#pageSize);
    for (let page = Math.floor(from / this.#pageSize); page <= last; page++) yield page;
  }

  /** Adds a page and drops the ones farthest from view beyond `keptPages`. */
  #store(page: number, items: ImageItem[]) {
    const pages = new Map(untrack(() => this.#pages));
    pages.set(page, items);
    if (pages.size > keptPages) {
      const centre = Math.floor((this.#visible[0] + this.#visible[1]) / 2 / this.#pageSize);
      const farthest = [...pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
      for (const drop of farthest.slice(0, pages.size - keptPages)) pages.delete(drop);
    }
    this.#pages = pages;
  }

  /** One stretch of the query's images: from the engine's filters, or from a set of ids the query holds. */
  async #list({ imageIds, ...query }: ImageQuery, offset: number, limit: number): Promise<{ total: number; items: ImageItem[] }> {
    if (!imageIds) return this.#client.listImages({ ...query, offset, limit });
    const ids = imageIds.slice(offset, offset + limit);
    return { total: imageIds.length, items: ids.length > 0 ? await this.#client.getImages({ imageIds: ids }) : [] };
  }

  #fetch(page: number, generation: number, force = false) {
    if (this.#inFlight.has(page) && !force) return;
    this.#inFlight.add(page);
    const query = untrack(() => this.#query);
    this.#list(query, page * this.#pageSize, this.#pageSize)
      .then(({ total, items }) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(page);
        this.#total = total;
        this.#loaded = true;
        this.#store(page, items);
      })
      .catch((error: unknown) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(page);
        this.#loaded = true;
        this.#onError(error);
      });
  }
}
