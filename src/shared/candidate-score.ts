/** A candidate's score as one line, in the UI and the CLI alike: accuracy, its interval, what it was measured on. */
import type { CandidateScore } from './contract';

/** An accuracy as the job's messages and the CLI write it: "67.0 %". */
export const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;

export function describeCandidate(c: CandidateScore): string {
  if (c.accuracy === null || c.interval === null) return `${c.name}: not measured (${c.measuredOn}) — ${c.description}`;
  return `${c.name}: ${percent(c.accuracy)} (${percent(c.interval[0])}–${percent(c.interval[1])}), ${c.correct} of ${c.validated} right, by ${c.measuredOn} — ${c.description}`;
}
