/**
 * ResNet encoders f(·) of SimCLR, built with tf.layers' functional API so they save and load in the
 * TensorFlow.js layers format and can be extended with a classifier head.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../../shared/contract';

type Stages = [number, number, number, number];

interface EncoderSpec {
  /** Basic: two 3×3 convs (ResNet-18/34). Bottleneck: 1×1 → 3×3 → 1×1 at 4× width (ResNet-50 and up). */
  block: 'basic' | 'bottleneck';
  /** Width of each stage's 3×3 convolutions. */
  widths: Stages;
  blocksPerStage: Stages;
  /** 'cifar': always the 3×3 stride-1 stem. 'by-size': the ImageNet stem above 64 px, the CIFAR one below. */
  stem: 'cifar' | 'by-size';
}

const specs: Record<EncoderName, EncoderSpec> = {
  // ResNet-18 layout at a quarter of the width: 2,795,040 trainable parameters.
  'resnet-mini': { block: 'basic', widths: [32, 64, 128, 256], blocksPerStage: [2, 2, 2, 2], stem: 'cifar' },
  // Small enough to train in seconds at 16–32 px, for tests and demos.
  'resnet-tiny': { block: 'basic', widths: [8, 16, 32, 64], blocksPerStage: [1, 1, 1, 1], stem: 'cifar' },
  // He et al.'s ResNet-18: 11,176,512 trainable parameters with the ImageNet stem.
  resnet18: { block: 'basic', widths: [64, 128, 256, 512], blocksPerStage: [2, 2, 2, 2], stem: 'by-size' },
  // The paper's ResNet-50: 23,508,032 trainable parameters with the ImageNet stem.
  resnet50: { block: 'bottleneck', widths: [64, 128, 256, 512], blocksPerStage: [3, 4, 6, 3], stem: 'by-size' },
};

const stageStrides = [1, 2, 2, 2];
const bottleneckExpansion = 4;
/** The paper's CIFAR-10 variant swaps the ImageNet stem for a 3×3 stride-1 conv without max-pool on small images. */
const maxCifarStemSide = 64;

/** Dimension of the representation h (the last stage's output width). */
export function representationDim(name: EncoderName): number {
  const spec = specs[name];
  return spec.widths[3] * (spec.block === 'bottleneck' ? bottleneckExpansion : 1);
}

/** Whether the encoder starts with the ImageNet stem (7×7 stride-2 conv + 3×3 stride-2 max-pool) at this size. */
export function usesImagenetStem(name: EncoderName, imageSize: number): boolean {
  return specs[name].stem === 'by-size' && imageSize > maxCifarStemSide;
}

/** The encoder's shape as data, for a trainer outside the app to build the same network (the cluster job). */
export interface EncoderArchitecture {
  block: 'basic' | 'bottleneck';
  widths: Stages;
  blocksPerStage: Stages;
  imagenetStem: boolean;
  representationDim: number;
}

export function encoderArchitecture(name: EncoderName, imageSize: number): EncoderArchitecture {
  const { block, widths, blocksPerStage } = specs[name];
  return { block, widths, blocksPerStage, imagenetStem: usesImagenetStem(name, imageSize), representationDim: representationDim(name) };
}

/**
 * Returns a maker of He-normal kernel initialisers. With a seed, each call gets the next seed, so a model
 * built twice from the same seed starts with identical weights; without one, tf draws its own.
 */
export function kernelInitializers(seed?: number): () => ReturnType<typeof tf.initializers.heNormal> {
  let next = seed ?? 0;
  return () => tf.initializers.heNormal(seed === undefined ? {} : { seed: next++ });
}

type NextInit = ReturnType<typeof kernelInitializers>;

/** Faster-adapting running statistics than Keras' 0.99, because runs here are short. */
const bnMomentum = 0.9;

function convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string, init: NextInit): tf.SymbolicTensor {
  // No conv bias: the following batch norm's beta plays that role.
  const conv = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init(), name: `${name}_conv` });
  const bn = tf.layers.batchNormalization({ momentum: bnMomentum, name: `${name}_batch_normalization` });
  return bn.apply(conv.apply(x)) as tf.SymbolicTensor;
}

function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
}

/** Adds the residual branch to the input, through a 1×1 conv+BN projection when the shape changes. */
function residual(x: tf.SymbolicTensor, branch: tf.SymbolicTensor, strides: number, name: string, init: NextInit): tf.SymbolicTensor {
  const filters = branch.shape[3] as number;
  const shortcut = strides !== 1 || x.shape[3] !== filters ? convBn(x, filters, 1, strides, `${name}_proj`, init) : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([branch, shortcut]) as tf.SymbolicTensor;
  return relu(sum, `${name}_out`);
}

/** Two 3×3 conv+BN. */
function basicBlock(x: tf.SymbolicTensor, filters: number, strides: number, name: string, init: NextInit): tf.SymbolicTensor {
  const y = relu(convBn(x, filters, 3, strides, `${name}_a`, init), `${name}_a_relu`);
  return residual(x, convBn(y, filters, 3, 1, `${name}_b`, init), strides, name, init);
}

/** 1×1 reduce, 3×3 (carrying the stride, as in the paper's code), 1×1 expand to 4× the width. */
function bottleneckBlock(x: tf.SymbolicTensor, filters: number, strides: number, name: string, init: NextInit): tf.SymbolicTensor {
  let y = relu(convBn(x, filters, 1, 1, `${name}_a`, init), `${name}_a_relu`);
  y = relu(convBn(y, filters, 3, strides, `${name}_b`, init), `${name}_b_relu`);
  return residual(x, convBn(y, filters * bottleneckExpansion, 1, 1, `${name}_c`, init), strides, name, init);
}

function stem(x: tf.SymbolicTensor, width: number, imagenet: boolean, init: NextInit): tf.SymbolicTensor {
  if (!imagenet) return relu(convBn(x, width, 3, 1, 'stem', init), 'stem_relu');
  const y = relu(convBn(x, width, 7, 2, 'stem', init), 'stem_relu');
  return tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(y) as tf.SymbolicTensor;
}

/**
 * Builds the encoder. Input: float32 [B, S, S, 3] in [0, 1]; the model maps it to [-1, 1] itself, so an
 * exported model needs only "resize to S×S, RGB, divide by 255". Output: h, [B, representationDim].
 * A seed makes the initial weights reproducible.
 */
export function buildEncoder(name: EncoderName, imageSize: number, seed?: number): tf.LayersModel {
  const spec = specs[name];
  const init = kernelInitializers(seed);
  const block = spec.block === 'bottleneck' ? bottleneckBlock : basicBlock;
  const input = tf.input({ shape: [imageSize, imageSize, 3], name: 'image' });
  let x = tf.layers.rescaling({ scale: 2, offset: -1, name: 'to_signed' }).apply(input) as tf.SymbolicTensor;
  x = stem(x, spec.widths[0], usesImagenetStem(name, imageSize), init);
  spec.widths.forEach((width, stage) => {
    for (let b = 0; b < spec.blocksPerStage[stage]; b++) {
      x = block(x, width, b === 0 ? stageStrides[stage] : 1, `stage${stage + 1}_block${b + 1}`, init);
    }
  });
  const h = tf.layers.globalAveragePooling2d({ name: 'h' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h, name: `encoder_${name}` });
}
