/**
 * bench:train --profile: one training step's time and kernel launches by phase (data, augment, forward,
 * backward, optimizer, readback, other), for each batch size, on one thread (the peer thread's kernels are its
 * own). Kernel counts do not depend on the machine: they are the figure to compare across backends and changes.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../src/shared/contract';
import { pixelBatch } from '../src/main/engine/data/batches';
import { SimclrModel } from '../src/main/engine/ml/model/simclr';
import { phase, profileStep, type StepProfile } from '../src/main/engine/ml/training/step-profile';

const round = (record: Record<string, number>, digits: number) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, Number(value.toFixed(digits))]));

export async function profileTraining(options: { backend: string; encoder: EncoderName; size: number; batches: number[]; steps: number; optimizer: 'adam' | 'lars'; fusedOptimizer: boolean }) {
  const { encoder, size, batches, steps, optimizer, fusedOptimizer } = options;
  const largest = Math.max(...batches);
  const pixels = Uint8Array.from({ length: largest * size * size * 3 }, (_, i) => (i * 2654435761) % 251);
  const results = [];
  for (const batch of batches) {
    // One pass per step (no micro-batches), so that the counts are those of the step itself.
    const model = SimclrModel.create({ encoder, imageSize: size, seed: 1, workers: 1, microBatchSize: batch, optimizer, fusedOptimizer });
    const step = async () => {
      const images = phase('data', () => pixelBatch(pixels.subarray(0, batch * size * size * 3), batch, size));
      try {
        await model.trainStep(images);
      } finally {
        images.dispose();
      }
    };
    await step(); // first-use kernels and allocations
    const profiles: StepProfile[] = [];
    for (let i = 0; i < steps; i++) profiles.push(await profileStep(step));
    model.dispose();
    // The step whose wall time is the median, whole: its phases add up.
    const median = [...profiles].sort((a, b) => a.wallMs.total - b.wallMs.total)[Math.floor(profiles.length / 2)]!;
    results.push({
      batch,
      kernels: median.kernels,
      reshapes: median.reshapes,
      wallMs: round(median.wallMs, 1),
      kernelMs: round(median.kernelMs, 1),
      imagesPerSecond: Number(((batch * 1000) / median.wallMs.total).toFixed(1)),
      topKernels: Object.fromEntries(Object.entries(median.kernelsByPhase).map(([name, counts]) => [name, counts.slice(0, 6)])),
    });
  }
  return { backend: options.backend, encoder, imageSize: size, optimizer, fusedOptimizer, workers: 1, profiledSteps: steps, tensorsInMemory: tf.memory().numTensors, batches: results };
}
