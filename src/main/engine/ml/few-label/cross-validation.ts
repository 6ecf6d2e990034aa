/**
 * Stratified k-fold cross-validation over a handful of labels, and the interval its accuracy deserves. With few
 * labels one held-out split says little; every labelled image held out once says more, and the Wilson interval
 * says how much.
 */
import type { Rng } from '../rng';

/** Folds when every class has enough images for them; fewer where the smallest class has fewer. */
export const defaultFolds = 5;

/**
 * The fold each example is held out in, stratified: each class's examples, shuffled, go round the folds in turn
 * (starting where the previous class stopped, so the folds stay even). A class with one example is never held
 * out (-1): a fold without it could not predict it. The number of folds is `folds`, or the size of the largest
 * class if that is smaller, and at least 2.
 */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, rng: Rng): Int32Array {
  const byClass = new Map<number, number[]>();
  Array.from(labels).forEach((label, index) => byClass.set(label, [...(byClass.get(label) ?? []), index]));
  const largest = Math.max(0, ...[...byClass.values()].map((members) => members.length));
  const k = Math.max(2, Math.min(folds, largest));
  const foldOf = new Int32Array(labels.length).fill(-1);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    if (members.length < 2) continue;
    for (const index of rng.shuffle([...members])) foldOf[index] = next++ % k;
  }
  return foldOf;
}

export interface CrossValidated {
  correct: number;
  /** Examples held out once each (those of single-example classes are not). */
  validated: number;
  /** Each example's class as predicted by the fit that did not see it; -1 where it was never held out. */
  predicted: Int32Array;
}

/**
 * Fits on every fold's complement and predicts the fold; `fitPredict` gets the training and held-out indices
 * and returns a class per held-out index.
 */
export async function crossValidate(
  labels: ArrayLike<number>,
  foldOf: Int32Array,
  fitPredict: (train: number[], heldOut: number[]) => Promise<ArrayLike<number>>,
): Promise<CrossValidated> {
  const folds = Math.max(-1, ...foldOf) + 1;
  let correct = 0;
  let validated = 0;
  const outOfFold = new Int32Array(labels.length).fill(-1);
  for (let fold = 0; fold < folds; fold++) {
    const heldOut: number[] = [];
    const train: number[] = [];
    foldOf.forEach((f, index) => (f === fold ? heldOut : train).push(index));
    if (heldOut.length === 0) continue;
    const predicted = await fitPredict(train, heldOut);
    heldOut.forEach((index, i) => {
      outOfFold[index] = predicted[i];
      correct += Number(predicted[i] === labels[index]);
    });
    validated += heldOut.length;
  }
  return { correct, validated, predicted: outOfFold };
}

/** The Wilson score interval for `correct` of `n` (95 % by default): honest at small n and near 0 or 1. */
export function wilsonInterval(correct: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // It always holds p; clamping keeps rounding (at p = 0 or 1) from saying otherwise.
  return [Math.max(0, Math.min(p, centre - half)), Math.min(1, Math.max(p, centre + half))];
}
