/** Distinct, calm colours for new classes (Tableau 10), so a class is recognisable on the map and in the grid. */
export const classPalette = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
] as const;

export const unlabelledColor = '#c3c7cf';

export function nextClassColor(used: readonly string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return classPalette.find((c) => !taken.has(c)) ?? classPalette[used.length % classPalette.length];
}
