/**
 * Labels that are probably wrong, found as confident learning does (Northcutt et al. 2021, cleanlab): from
 * out-of-fold class probabilities, each class j gets a threshold t_j, the mean probability of j over the images
 * labelled j. An image is confidently of class j when p_j ≥ t_j; one labelled i that is confidently of another
 * class (the likeliest such) is flagged, with that class as the suggestion, ranked as cleanlab ranks by default:
 * by self-confidence, the lower the probability of its own label p_i, the likelier a mistake.
 */

export interface LabelIssue {
  /** Row of the probabilities. */
  index: number;
  suggested: number;
  /** 1 − p(label), out of fold: how little the model believes the label; larger first. */
  score: number;
}

/**
 * `probabilities` is row-major [n × numClasses]; a row of NaN (an image never held out) is skipped, and so is
 * a class with no held-out image (it has no threshold).
 */
export function findLabelIssues(probabilities: Float32Array, labels: ArrayLike<number>, numClasses: number): LabelIssue[] {
  const rows = labels.length;
  const p = (row: number, j: number) => probabilities[row * numClasses + j];
  const sums = new Float64Array(numClasses);
  const counts = new Float64Array(numClasses);
  for (let row = 0; row < rows; row++) {
    if (Number.isNaN(p(row, 0))) continue;
    sums[labels[row]] += p(row, labels[row]);
    counts[labels[row]]++;
  }
  const threshold = Array.from(sums, (sum, j) => (counts[j] > 0 ? sum / counts[j] : Infinity));
  const issues: LabelIssue[] = [];
  for (let row = 0; row < rows; row++) {
    if (Number.isNaN(p(row, 0))) continue;
    const label = labels[row];
    let best = -1;
    for (let j = 0; j < numClasses; j++) if (p(row, j) >= threshold[j] && (best < 0 || p(row, j) > p(row, best))) best = j;
    if (best >= 0 && best !== label) issues.push({ index: row, suggested: best, score: 1 - p(row, label) });
  }
  return issues.sort((a, b) => b.score - a.score || a.index - b.index);
}
