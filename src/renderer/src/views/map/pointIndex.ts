import type { MapPoint } from '../../../../shared/contract';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A uniform grid over the points' bounds, so hover finds the nearest point by looking at a few cells. */
export class PointIndex {
  readonly points: readonly MapPoint[];
  readonly bounds: Bounds;
  readonly #cellSize: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #cells: number[][];

  constructor(points: readonly MapPoint[], pointsPerCell = 8) {
    this.points = points;
    const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (const p of points) {
      if (p.x < b.minX) b.minX = p.x;
      if (p.x > b.maxX) b.maxX = p.x;
      if (p.y < b.minY) b.minY = p.y;
      if (p.y > b.maxY) b.maxY = p.y;
    }
    if (points.length === 0) Object.assign(b, { minX: 0, minY: 0, maxX: 1, maxY: 1 });
    this.bounds = b;
    const side = Math.max(b.maxX - b.minX, b.maxY - b.minY, 1e-9);
    const perSide = Math.min(256, Math.max(1, Math.round(Math.sqrt(points.length / pointsPerCell))));
    this.#cellSize = side / perSide;
    this.#cols = Math.max(1, Math.ceil((b.maxX - b.minX) / this.#cellSize) + 1);
    this.#rows = Math.max(1, Math.ceil((b.maxY - b.minY) / this.#cellSize) + 1);
    this.#cells = Array.from({ length: this.#cols * this.#rows }, () => []);
    points.forEach((p, i) => this.#cells[this.#cellOf(p.x, p.y)].push(i));
  }

  #col(x: number) {
    return Math.min(this.#cols - 1, Math.max(0, Math.floor((x - this.bounds.minX) / this.#cellSize)));
  }
  #row(y: number) {
    return Math.min(this.#rows - 1, Math.max(0, Math.floor((y - this.bounds.minY) / this.#cellSize)));
  }
  #cellOf(x: number, y: number) {
    return this.#row(y) * this.#cols + this.#col(x);
  }

  /** The point nearest to (x, y) within `radius` (data units), or null. */
  nearest(x: number, y: number, radius: number): MapPoint | null {
    let best: MapPoint | null = null;
    let bestD2 = radius * radius;
    const [c0, c1] = [this.#col(x - radius), this.#col(x + radius)];
    const [r0, r1] = [this.#row(y - radius), this.#row(y + radius)];
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        for (const i of this.#cells[r * this.#cols + c]) {
          const p = this.points[i];
          const d2 = (p.x - x) ** 2 + (p.y - y) ** 2;
          if (d2 <= bestD2) {
            bestD2 = d2;
            best = p;
          }
        }
      }
    }
    return best;
  }
}
