/** Drawing a test set from the labels: the same share of every class, never leaving a class too few to train on. */
import type { Rng } from '../ml/rng';

/** Labels a class keeps out of the test set: cross-validation needs two to hold one out. */
export const trainingLabelsKept = 2;

/** A random `fraction` of each class's labelled images (rounded down), leaving each class at least two. */
export function testSetDraw(labelled: { imageId: number; classId: number }[], fraction: number, rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  for (const { imageId, classId } of labelled) byClass.set(classId, [...(byClass.get(classId) ?? []), imageId]);
  return [...byClass.keys()]
    .sort((a, b) => a - b)
    .flatMap((classId) => {
      const members = byClass.get(classId)!;
      const take = Math.max(0, Math.min(Math.floor(members.length * fraction), members.length - trainingLabelsKept));
      return rng.shuffle([...members]).slice(0, take);
    });
}
