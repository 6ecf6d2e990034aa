/**
 * What the labels allow beside fine-tuning, measured on the same folds: by cross-validation over every
 * labelled image a linear probe on the frozen encoder's region features, a nearest-neighbour vote on its
 * representation h, and a linear probe on raw pixels — the baseline that tells whether pretraining helped —
 * and the probe's and vote's out-of-fold probabilities, which find label errors.
 */
import type * as tf from '@tensorflow/tfjs';
import { percent } from '../../../../shared/candidate-score';
import type { CandidateScore, LabelCandidateName } from '../../../../shared/contract';
import type { PixelCache } from '../../data/pixel-cache';
import { topClasses } from '../../ml/few-label/classifier';
import { crossValidate, wilsonInterval, type CrossValidated } from '../../ml/few-label/cross-validation';
import { trainLinearProbe } from '../../ml/few-label/linear-probe';
import { neighbourTemperature, neighbourVoteProbabilities } from '../../ml/few-label/neighbour-vote';
import { outputsOf } from './finetune-fit';

export interface Features {
  values: Float32Array;
  dim: number;
}

const descriptions: Record<LabelCandidateName, string> = {
  finetune: 'the pretrained encoder fine-tuned with a softmax layer on the labels',
  linear: "linear probe on the frozen pretrained encoder's last feature map, averaged over each quarter of the image",
  knn: `nearest neighbours on the frozen pretrained representation h (every label votes, weight exp(correlation / ${neighbourTemperature}))`,
  pixels: 'linear probe on raw pixels (no pretraining): the baseline',
};

export function candidateScore(name: LabelCandidateName, correct: number, validated: number, measuredOn: string): CandidateScore {
  return {
    name,
    description: descriptions[name],
    accuracy: validated > 0 ? correct / validated : null,
    correct,
    validated,
    interval: validated > 0 ? wilsonInterval(correct, validated) : null,
    measuredOn,
  };
}

/** The model's output (h, or region features) for the given images, in inference mode. */
export async function frozenFeatures(model: tf.LayersModel, cache: PixelCache, imageIds: number[]): Promise<Features> {
  return { values: await outputsOf(model, cache, imageIds), dim: model.outputs[0].shape[1] as number };
}

/** The images' cached pixels in [0, 1], one row each. */
export function pixelFeatures(cache: PixelCache, imageIds: number[]): Features {
  return { values: Float32Array.from(cache.read(imageIds), (v) => v / 255), dim: cache.side * cache.side * 3 };
}

const rowsOf = ({ values, dim }: Features, indices: number[]) => {
  const rows = new Float32Array(indices.length * dim);
  indices.forEach((index, i) => rows.set(values.subarray(index * dim, (index + 1) * dim), i * dim));
  return rows;
};

/** The probe's class probabilities for the held-out rows, flat [heldOut × numClasses]. */
async function linearProbeProbabilities(features: Features, labels: number[], numClasses: number, train: number[], heldOut: number[]): Promise<Float32Array> {
  const probe = trainLinearProbe(rowsOf(features, train), features.dim, train.map((i) => labels[i]), { numClasses });
  try {
    return await probe.probabilities(rowsOf(features, heldOut));
  } finally {
    probe.dispose();
  }
}

const argmaxRows = (probabilities: Float32Array, numClasses: number) => topClasses(probabilities, numClasses).map((top) => top.classIndex);

function neighbourVoteShares(features: Features, labels: number[], numClasses: number, train: number[], heldOut: number[]): Promise<Float32Array> {
  const bank = { features: rowsOf(features, train), labels: train.map((i) => labels[i]) };
  return neighbourVoteProbabilities(bank, rowsOf(features, heldOut), features.dim, numClasses);
}

/** A cross-validated candidate's score, saying how it was measured. */
export const scoreOf = (name: LabelCandidateName, { correct, validated }: CrossValidated, foldOf: Int32Array) =>
  candidateScore(name, correct, validated, crossValidationName(foldOf, validated));

/** How a cross-validation was run, as a candidate says it. */
export function crossValidationName(foldOf: Int32Array, validated: number): string {
  return validated > 0 ? `${Math.max(...foldOf) + 1}-fold cross-validation over ${validated} labelled images` : 'nothing: too few labels to hold any out (one a class)';
}

export interface CrossValidatedCandidates {
  scores: CandidateScore[];
  /** Each candidate's out-of-fold class per labelled image (-1 where never held out). */
  predicted: Map<LabelCandidateName, Int32Array>;
  /**
   * Out-of-fold class probabilities, flat [n × numClasses], the mean of the linear probe's and the neighbour vote's:
   * each image's from the fits that did not see it (NaN for images never held out). Label errors are found
   * from these: on Fashion-MNIST h (600 labels, 30 flipped, 5 folds) the first 60 flags held 24 flips from a
   * probe on h alone, 23 from the vote, 25 from the two; on the tinted stand-in 12, 13 and 13. With the probe on
   * region features, bench:quality (5,000 images, 3-minute pretrain) caught 22 on Fashion-MNIST, 10 on the tinted one.
   */
  outOfFold: Float32Array;
}

/** The frozen-feature candidates and the pixel baseline, each cross-validated on the given stratified folds. */
export async function crossValidatedCandidates(
  data: { representations: Features; regions: Features; pixels: Features; labels: number[]; numClasses: number },
  foldOf: Int32Array,
): Promise<CrossValidatedCandidates> {
  const { representations, regions, pixels, labels, numClasses } = data;
  const probeShares = new Float32Array(labels.length * numClasses).fill(NaN);
  const voteShares = new Float32Array(labels.length * numClasses).fill(NaN);
  const keep = (into: Float32Array, heldOut: number[], probabilities: Float32Array) =>
    heldOut.forEach((index, i) => into.set(probabilities.subarray(i * numClasses, (i + 1) * numClasses), index * numClasses));
  const ways: [LabelCandidateName, (train: number[], heldOut: number[]) => Promise<ArrayLike<number>>][] = [
    [
      'linear',
      async (train, heldOut) => {
        const probabilities = await linearProbeProbabilities(regions, labels, numClasses, train, heldOut);
        keep(probeShares, heldOut, probabilities);
        return argmaxRows(probabilities, numClasses);
      },
    ],
    [
      'knn',
      async (train, heldOut) => {
        const shares = await neighbourVoteShares(representations, labels, numClasses, train, heldOut);
        keep(voteShares, heldOut, shares);
        return argmaxRows(shares, numClasses);
      },
    ],
    ['pixels', async (train, heldOut) => argmaxRows(await linearProbeProbabilities(pixels, labels, numClasses, train, heldOut), numClasses)],
  ];
  const scores: CandidateScore[] = [];
  const predicted = new Map<LabelCandidateName, Int32Array>();
  for (const [name, fitPredict] of ways) {
    const validation = await crossValidate(labels, foldOf, fitPredict);
    scores.push(scoreOf(name, validation, foldOf));
    predicted.set(name, validation.predicted);
  }
  return { scores, predicted, outOfFold: probeShares.map((p, i) => (p + voteShares[i]) / 2) };
}

/**
 * Plain words when raw pixels classify the labels at least as well as the best use of the pretrained encoder:
 * its features have not learnt what tells these classes apart (yet).
 */
export function pretrainingAdvice(candidates: CandidateScore[]): string | null {
  const pixels = candidates.find((c) => c.name === 'pixels');
  const pretrained = candidates.filter((c) => c.name !== 'pixels' && c.accuracy !== null).sort((a, b) => b.accuracy! - a.accuracy!)[0];
  if (!pixels || pixels.accuracy === null || !pretrained || pretrained.accuracy! > pixels.accuracy) return null;
  return (
    `Pretraining has not helped yet: raw pixels classify these labels as well as the pretrained encoder does ` +
    `(pixels ${percent(pixels.accuracy)}, best with the encoder ${percent(pretrained.accuracy!)} by ${pretrained.name}; ${pixels.measuredOn}). ` +
    `Try pretraining longer (more epochs or a longer time budget), a larger encoder (resnet-mini), stronger colour ` +
    `distortion (a higher colour strength or grayscale probability) where colour does not tell the classes apart, or more labels.`
  );
}
