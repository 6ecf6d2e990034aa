/**
 * Named pretraining presets, shared by the engine (which resolves a request against them) and the UI
 * (which fills its form from them). Plain data, so the renderer can import it without the engine or zod.
 */
import type { AugmentSettings, PretrainPresetName, ResolvedPretrainOptions } from './contract';

export type PresetValues = Omit<ResolvedPretrainOptions, 'preset' | 'learningRate' | 'augment' | 'seed' | 'timeBudgetSeconds' | 'microBatchSize'>;

/** What a preset is for: `needsGpu` presets train far too slowly on a CPU to finish in reasonable time. */
interface PresetPurpose {
  summary: string;
  needsGpu: boolean;
  /** Augmentation settings the preset changes from the paper's (the user's own win over them). */
  augment: AugmentSettings;
}

export const pretrainPresets: Record<PretrainPresetName, PresetValues & PresetPurpose> = {
  // Chosen by bench:quality (25 min on two cores, Fashion-MNIST): resnet-tiny trains ~10x faster than
  // resnet-mini on wasm (~360 vs ~35 img/s at 32 px), so it sees ~9 epochs where resnet-mini sees less than
  // one. At 16 px it fine-tunes no better from 1 % of the labels (80.6 % either way); 32 px is the size import
  // caches and keeps detail in photos. Adam's rate needs no tuning to the batch; τ = 0.2 is in the paper's
  // range for small batches (0.5 measured the same). Colour strength 1.0 with grayscale half the time, not the
  // paper's CIFAR 0.5 / 0.2: bench:quality (20,000 images, 8 min, 2 draws) on the tinted stand-in, where each image
  // has its own colours, 1 % labels went 20.5 % → 26.0 % (raw pixels 22.2 %), and plain Fashion-MNIST too,
  // 67.1 % → 69.2 % (10 a class: 60.6 % → 65.4 %). With the weaker distortion h told an image's background colour
  // apart (84 % of its RGB octant from a linear probe) far better than its class (34 %): a colour shortcut.
  cpu: {
    summary: 'resnet-tiny at 32 px, Adam, batch 256: epochs in minutes on a laptop CPU',
    needsGpu: false,
    encoder: 'resnet-tiny',
    imageSize: 32,
    batchSize: 256,
    temperature: 0.2,
    optimizer: 'adam',
    epochs: 30,
    colorStrength: 1.0,
    augment: { grayscaleProb: 0.5 },
  },
  // STL-10-like: the ImageNet stem at 96 px keeps the activations small enough for a modest GPU.
  balanced: {
    summary: 'resnet18 at 96 px, LARS, batch 256: for a GPU',
    needsGpu: true,
    encoder: 'resnet18',
    imageSize: 96,
    batchSize: 256,
    temperature: 0.2,
    optimizer: 'lars',
    epochs: 100,
    colorStrength: 1.0,
    augment: {},
  },
  // Chen et al. 2020: ResNet-50, 224 px, B = 4096, LARS (lr 4.8), τ = 0.1, colour strength 1.0, 100 epochs.
  paper: {
    summary: 'the paper: resnet50 at 224 px, LARS, batch 4096, τ 0.1: for large GPUs',
    needsGpu: true,
    encoder: 'resnet50',
    imageSize: 224,
    batchSize: 4096,
    temperature: 0.1,
    optimizer: 'lars',
    epochs: 100,
    colorStrength: 1.0,
    augment: {},
  },
};

const isCpuBackend = (backend: string) => backend === 'wasm' || backend === 'cpu';

/** The preset a backend starts from: CPU backends get the one that trains in reasonable time there. */
export function defaultPresetFor(backend: string): PretrainPresetName {
  return isCpuBackend(backend) ? 'cpu' : 'balanced';
}

/**
 * Why a preset cannot serve this project on this machine (empty when it can): a GPU preset on a CPU backend,
 * or a batch bigger than the images (NT-Xent contrasts the images of a batch; the batch would be the whole set).
 */
export function presetMisfits(name: PretrainPresetName, machine: { backend: string; images: number }): string[] {
  const preset = pretrainPresets[name];
  const misfits: string[] = [];
  if (preset.needsGpu && isCpuBackend(machine.backend)) misfits.push(`needs a GPU; this machine trains on ${machine.backend} (the CPU)`);
  if (preset.batchSize > machine.images) misfits.push(`its batch of ${preset.batchSize} is more than the ${machine.images} images here`);
  return misfits;
}
