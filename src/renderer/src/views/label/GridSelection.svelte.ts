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

  click(index: number, imageId: number, mods: ClickModifiers) {
    if (mods.range && this.#anchor >= 0) {
      this.#selectRange(this.#anchor, index, mods.toggle);
    } else if (mods.toggle) {
      const next = new Set(this.#ids);
      if (next.has(imageId)) next.delete(imageId);
      else next.add(imageId);
      this.#ids = next;
      this.#anchor = index;
    } else {
      this.#ids = new Set([imageId]);
      this.#anchor = index;
    }
    this.#focus = index;
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
      this.#selectRange(this.#anchor, index, false);
    } else {
      this.#ids = new Set([item.id]);
      this.#anchor = index;
    }
    this.#focus = index;
    return index;
  }

  clear() {
    this.#ids = new Set();
  }

  reset() {
    this.#ids = new Set();
    this.#anchor = -1;
    this.#focus = -1;
  }

  #selectRange(a: number, b: number, add: boolean) {
    const [from, to] = a <= b ? [a, b] : [b, a];
    const next = add ? new Set(this.#ids) : new Set<number>();
    for (const item of this.#pager.itemsBetween(from, to + 1)) next.add(item.id);
    this.#ids = next;
  }
}
