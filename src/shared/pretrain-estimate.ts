/** The sentence a dry run's estimate is shown as, in the UI and the CLI alike. */
import type { PretrainEstimate, ResolvedPretrainOptions } from './contract';
import { formatDuration } from './duration';

export function describeEstimate(estimate: PretrainEstimate, options: Pick<ResolvedPretrainOptions, 'epochs'>, backend: string): string {
  const { seconds, steps, secondsPerStep, batchSize, measuredSteps, images, imagesPerSecond, endedByBudget } = estimate;
  const length = endedByBudget ? `the time budget (${steps} steps; the ${options.epochs} epochs planned would take longer)` : `${steps} steps (${options.epochs} epochs)`;
  return (
    `About ${formatDuration(seconds)} of training for ${length}: ${secondsPerStep.toFixed(2)} s a step of ${batchSize} images ` +
    `(${imagesPerSecond.toFixed(1)} images/s), measured over ${measuredSteps} steps on this machine's ${backend} backend with ${images} images.`
  );
}
