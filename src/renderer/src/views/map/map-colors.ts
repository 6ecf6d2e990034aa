/** What the map's points can be coloured by, each colour's meaning, and the legend that explains them. */
import type { ClassInfo, MapPoint } from '../../../../shared/contract';
import { unlabelledColor } from '../../lib/palette';

export type ColorMode = 'label' | 'predicted' | 'confidence' | 'correct' | 'flagged';

export const colorModes: { id: ColorMode; text: string; needsPredictions: boolean }[] = [
  { id: 'label', text: 'Label', needsPredictions: false },
  { id: 'predicted', text: 'Prediction', needsPredictions: true },
  { id: 'confidence', text: 'Confidence', needsPredictions: true },
  { id: 'correct', text: 'Right / wrong', needsPredictions: true },
  { id: 'flagged', text: 'Possibly mislabelled', needsPredictions: true },
];

const right = '#2e8540';
const wrong = '#d1353b';
const flaggedColor = '#f28e2b';
const low = [209, 53, 59];
const high = [46, 133, 64];

/** Confidence from red (0.5 and below: a guess between two) through to green (1). */
export function confidenceColor(confidence: number): string {
  const t = Math.min(1, Math.max(0, (confidence - 0.5) / 0.5));
  const channel = (i: number) => Math.round(low[i] + (high[i] - low[i]) * t).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

export function pointColor(mode: ColorMode, p: MapPoint, classById: ReadonlyMap<number, ClassInfo>): string {
  const classColor = (id: number | null) => (id !== null && classById.get(id)?.color) || unlabelledColor;
  switch (mode) {
    case 'label':
      return classColor(p.labelId);
    case 'predicted':
      return classColor(p.predictedId);
    case 'confidence':
      return p.confidence === null ? unlabelledColor : confidenceColor(p.confidence);
    case 'correct':
      return p.labelId === null || p.predictedId === null ? unlabelledColor : p.labelId === p.predictedId ? right : wrong;
    case 'flagged':
      return p.flagged ? flaggedColor : unlabelledColor;
  }
}

/** The legend's entries for a mode: each colour with what it means. */
export function legendOf(mode: ColorMode, classes: readonly ClassInfo[]): { color: string; text: string }[] {
  const byClass = classes.map((c) => ({ color: c.color, text: c.name }));
  switch (mode) {
    case 'label':
      return [...byClass, { color: unlabelledColor, text: 'unlabelled' }];
    case 'predicted':
      return [...byClass, { color: unlabelledColor, text: 'no prediction' }];
    case 'confidence':
      return [
        { color: confidenceColor(0.5), text: '≤ 50 % confident' },
        { color: confidenceColor(0.75), text: '75 %' },
        { color: confidenceColor(1), text: '100 %' },
        { color: unlabelledColor, text: 'no prediction' },
      ];
    case 'correct':
      return [
        { color: right, text: 'labelled, predicted the same' },
        { color: wrong, text: 'labelled, predicted otherwise' },
        { color: unlabelledColor, text: 'unlabelled or no prediction' },
      ];
    case 'flagged':
      return [
        { color: flaggedColor, text: 'label flagged as probably wrong' },
        { color: unlabelledColor, text: 'not flagged' },
      ];
  }
}
