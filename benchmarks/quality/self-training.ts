/**
 * SimCLRv2's third step in its simplest form: the fine-tuned teacher labels the unlabelled images, and a
 * student (again the pretrained encoder) learns from the true labels plus the teacher's most confident
 * hard pseudo-labels, the same number per class so a confidently-predicted class does not swamp the rest.
 */
import type { LabelledIndices, Predictions } from './finetune';

export function confidentPseudoLabels(teacher: Predictions, numClasses: number, perClass: number, labelled: Set<number>): LabelledIndices {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  teacher.classes.forEach((c, index) => {
    if (!labelled.has(index)) byClass[c].push(index);
  });
  const chosen = byClass.flatMap((indices) => indices.sort((a, b) => teacher.confidence[b] - teacher.confidence[a]).slice(0, perClass));
  return { indices: chosen, labels: chosen.map((index) => teacher.classes[index]) };
}
