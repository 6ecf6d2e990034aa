/** SimCLR pretraining on Fashion-MNIST for a fixed wall time instead of a fixed number of epochs. */
import { learningRateAt } from '../../src/main/engine/ml/schedule';
import { Rng } from '../../src/main/engine/ml/rng';
import type { SimclrModel } from '../../src/main/engine/ml/simclr';
import { rgbBatch, type GreyImages } from './fashion-mnist';

export interface BudgetRun {
  steps: number;
  imagesSeen: number;
  epochsSeen: number;
  seconds: number;
  lastLoss: number;
}

/** Resolution of the time-based schedule: warm-up over the first tenth of the budget, then cosine to zero. */
const scheduleTicks = 1000;

export async function pretrainWithinBudget(
  model: SimclrModel,
  data: GreyImages,
  { budgetSeconds, batchSize, log }: { budgetSeconds: number; batchSize: number; log: (line: string) => void },
): Promise<BudgetRun> {
  const batch = Math.min(batchSize, data.count);
  const schedule = { baseLr: model.config.learningRate, warmupSteps: scheduleTicks / 10, totalSteps: scheduleTicks };
  const startedAt = performance.now();
  const elapsed = () => (performance.now() - startedAt) / 1000;
  let steps = 0;
  let lastLoss = NaN;
  for (let epoch = 0; elapsed() < budgetSeconds; epoch++) {
    const order = new Rng(model.config.seed * 100_003 + epoch).shuffle(Array.from({ length: data.count }, (_, i) => i));
    for (let start = 0; start + batch <= data.count && elapsed() < budgetSeconds; start += batch) {
      // The schedule follows the fraction of the budget used, since the number of steps is unknown up front.
      const tick = Math.floor((scheduleTicks * elapsed()) / budgetSeconds);
      const images = rgbBatch(data, order.slice(start, start + batch));
      lastLoss = await model.trainStep(images, { learningRate: learningRateAt(tick, schedule) });
      images.dispose();
      steps++;
      if (steps % 10 === 0) log(`pretrain step ${steps}, epoch ${((steps * batch) / data.count).toFixed(2)}, loss ${lastLoss.toFixed(4)}, ${((steps * batch) / elapsed()).toFixed(1)} img/s`);
    }
    // Whole epochs only, as a checkpoint counts them.
    if (elapsed() < budgetSeconds) model.epoch = epoch + 1;
  }
  const seconds = elapsed();
  return { steps, imagesSeen: steps * batch, epochsSeen: (steps * batch) / data.count, seconds, lastLoss };
}
