import type { ImagePager } from '../../state/ImagePager.svelte.ts';

export interface ClickModifiers {
  /** Shift: extend from the anchor. */
  range: boolean;
  /** Ctrl / Cmd: add or remove one image. */
  toggle: boolean;
}

/** Which images are selected in the grid, with the anchor and focus that shift-click and arrow keys need. */
export class GridSelection {
  readonly #pager: ImagePager;
  #ids = $state.raw(new Set<number>());
  #anchor = $state(-1);
  #focus = $state(-1);
  /** Bumped by every change, so a slow range read does not overwrite a later click. */
  #version = 0;

  readonly size = $derived(this.#ids.size);
  readonly ids = $derived([...this.#ids]);

  constructor(pager: ImagePager) {
    this.#pager = pager;
  }

  get focus(): number {
    return this.#focus;
  }

  has(imageId: number): boolean {
    return this.#ids.has(imageId);
  }

  async click(index: number, imageId: number, mods: ClickModifiers) {
    this.#focus = index;
    if (mods.range && this.#anchor >= 0) {
      await this.#selectRange(this.#anchor, index, mods.toggle);
      return;
    }
    if (mods.toggle) {
      const next = new Set(this.#ids);
      if (next.has(imageId)) next.delete(imageId);
      else next.add(imageId);
      this.#set(next);
    } else {
      this.#set(new Set([imageId]));
    }
    this.#anchor = index;
  }

  /** Moves the focus by `delta` items (arrow keys); returns the new index, or -1 when nothing moved. */
  move(delta: number, extend: boolean): number {
    const total = this.#pager.total;
    if (total === 0) return -1;
    const from = this.#focus < 0 ? (delta > 0 ? -1 : total) : this.#focus;
    const index = Math.min(total - 1, Math.max(0, from + delta));
    const item = this.#pager.item(index);
    if (!item) return -1;
    if (extend && this.#anchor >= 0) {
      void this.#selectRange(this.#anchor, index, false);
    } else {
      this.#set(new Set([item.id]));
      this.#anchor = index;
    }
    this.#focus = index;
    return index;
  }

  /** The tiles a rubber band covers; with `add`, on top of what was selected when the drag began. */
  band(indices: readonly number[], base: ReadonlySet<number>) {
    const next = new Set(base);
    for (const index of indices) {
      const item = this.#pager.item(index);
      if (item) next.add(item.id);
    }
    this.#set(next);
    if (indices.length > 0) {
      this.#anchor = indices[0];
      this.#focus = indices[indices.length - 1];
    }
  }

  /** The current selection, for a rubber band that starts from it. */
  snapshot(): ReadonlySet<number> {
    return this.#ids;
  }

  /** Replaces the selection, e.g. with every image in the filter. */
  setIds(ids: Iterable<number>) {
    this.#set(new Set(ids));
  }

  clear() {
    this.#set(new Set());
  }

  reset() {
    this.#set(new Set());
    this.#anchor = -1;
    this.#focus = -1;
  }

  #set(ids: Set<number>) {
    this.#version++;
    this.#ids = ids;
  }

  async #selectRange(a: number, b: number, add: boolean) {
    const [from, to] = a <= b ? [a, b] : [b, a];
    const version = ++this.#version;
    const base = add ? this.#ids : new Set<number>();
    const ids = await this.#pager.idsBetween(from, to + 1);
    if (version !== this.#version) return;
    this.#set(new Set([...base, ...ids]));
  }
}
