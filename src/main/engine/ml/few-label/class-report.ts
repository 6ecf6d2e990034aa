/**
 * Where a classifier goes wrong, from its held-out predictions: the confusion matrix (rows the labelled class,
 * columns the predicted one) and each class's precision and recall.
 */

export interface ClassScores {
  /** Held-out images labelled with the class. */
  support: number;
  /** Of the images predicted as the class, the share labelled so; null when none was predicted as it. */
  precision: number | null;
  /** Of the images labelled with the class, the share predicted so; null when none was held out. */
  recall: number | null;
}

export interface ClassReport {
  /** confusion[labelled][predicted]: counts of held-out images. */
  confusion: number[][];
  perClass: ClassScores[];
}

/** `predicted` is -1 for images that were not held out; they count nowhere. */
export function classReport(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): ClassReport {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) if (predicted[i] >= 0) confusion[labels[i]][predicted[i]]++;
  const perClass = confusion.map((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((sum, r) => sum + r[c], 0);
    return { support, precision: predictedAs > 0 ? row[c] / predictedAs : null, recall: support > 0 ? row[c] / support : null };
  });
  return { confusion, perClass };
}
