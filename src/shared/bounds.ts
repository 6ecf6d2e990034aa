/**
 * The range of each numeric option, in one place: the contract's schemas validate with it, and the forms set
 * their inputs' min/max from it and explain a value outside it in the same words.
 */
export interface Bound {
  /** How a message names the option: "Epochs must be …". */
  label: string;
  min: number;
  max: number;
  /** A whole number (a count). */
  whole?: boolean;
  /** min itself is excluded: a rate or a temperature must be above it. */
  aboveMin?: boolean;
  /** With aboveMin: the least value a form's input offers (its min attribute), since min itself is refused. */
  leastOffered?: number;
}

export const bounds = {
  epochs: { label: 'Epochs', min: 1, max: 10_000, whole: true },
  batchSize: { label: 'Batch size', min: 2, max: 4096, whole: true },
  imageSize: { label: 'Image size', min: 8, max: 512, whole: true },
  microBatchSize: { label: 'The micro-batch', min: 1, max: 4096, whole: true },
  temperature: { label: 'Temperature', min: 0, max: 10, aboveMin: true, leastOffered: 0.01 },
  learningRate: { label: 'Learning rate', min: 0, max: 10, aboveMin: true, leastOffered: 1e-5 },
  colorStrength: { label: 'Colour strength', min: 0, max: 2 },
  probability: { label: 'A probability', min: 0, max: 1 },
  cropArea: { label: 'A crop area', min: 0, max: 1, aboveMin: true, leastOffered: 0.01 },
} as const satisfies Record<string, Bound>;

export function withinBound(bound: Bound, value: number): boolean {
  if (!Number.isFinite(value) || (bound.whole && !Number.isInteger(value))) return false;
  return (bound.aboveMin ? value > bound.min : value >= bound.min) && value <= bound.max;
}

const spelled = (n: number) => n.toLocaleString('en-US').replace(/,/g, ' ');

/** "Epochs must be a whole number from 1 to 10 000", "Temperature must be above 0 and at most 10". */
export function boundMessage(bound: Bound, label: string = bound.label): string {
  const range = bound.aboveMin ? `above ${spelled(bound.min)} and at most ${spelled(bound.max)}` : `from ${spelled(bound.min)} to ${spelled(bound.max)}`;
  return `${label} must be ${bound.whole ? 'a whole number ' : ''}${range}`;
}

/** Why an optional field's value is refused, or null; an empty (null) field is fine when it may be left empty. */
export function boundProblem(bound: Bound, value: number | null, emptyMeans?: string): string | null {
  if (value === null) return emptyMeans === undefined ? `${bound.label} is needed` : null;
  if (withinBound(bound, value)) return null;
  return boundMessage(bound) + (emptyMeans === undefined ? '' : `, or empty for ${emptyMeans}`);
}
