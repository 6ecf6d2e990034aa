/** Which map points a lasso or a box encloses, in map units. */

/** What a drag on the map does: pan it, or select the points a lasso or a box encloses. */
export type MapTool = 'pan' | 'lasso' | 'box';

export interface Vertex {
  x: number;
  y: number;
}

/** Even–odd rule: a ray from the point crosses the polygon's edges an odd number of times when inside. */
export function insidePolygon(x: number, y: number, polygon: readonly Vertex[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [a, b] = [polygon[i], polygon[j]];
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** The ids of the points inside the shape: a lasso's path, or a box from its two corners. */
export function enclosedIds(points: readonly { id: number; x: number; y: number }[], shape: { kind: 'lasso' | 'box'; path: readonly Vertex[] }): number[] {
  const { path } = shape;
  if (path.length < 2) return [];
  if (shape.kind === 'box') {
    const [a, b] = [path[0], path[path.length - 1]];
    const [minX, maxX, minY, maxY] = [Math.min(a.x, b.x), Math.max(a.x, b.x), Math.min(a.y, b.y), Math.max(a.y, b.y)];
    return points.filter((p) => p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY).map((p) => p.id);
  }
  if (path.length < 3) return [];
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const v of path) [minX, maxX, minY, maxY] = [Math.min(minX, v.x), Math.max(maxX, v.x), Math.min(minY, v.y), Math.max(maxY, v.y)];
  // The bounding box first: most of 100,000 points are outside it and need no edge test.
  return points.filter((p) => p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY && insidePolygon(p.x, p.y, path)).map((p) => p.id);
}
