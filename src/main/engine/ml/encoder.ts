/**
 * CIFAR-style ResNet encoder f(·) of SimCLR, built with tf.layers' functional API so it saves and loads in
 * the TensorFlow.js layers format and can be extended with a classifier head.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../shared/contract';

interface EncoderSpec {
  widths: [number, number, number, number];
  blocksPerStage: number;
}

const specs: Record<EncoderName, EncoderSpec> = {
  // ResNet-18 layout at a quarter of the width: 2,795,040 trainable parameters.
  'resnet-mini': { widths: [32, 64, 128, 256], blocksPerStage: 2 },
  // Small enough to train in seconds at 16–32 px, for tests and demos.
  'resnet-tiny': { widths: [8, 16, 32, 64], blocksPerStage: 1 },
};

const stageStrides = [1, 2, 2, 2];

/** Dimension of the representation h (the last stage's width). */
export function representationDim(name: EncoderName): number {
  return specs[name].widths[3];
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

/** Two 3×3 conv+BN with an identity shortcut, or a 1×1 conv+BN projection when the shape changes. */
function basicBlock(x: tf.SymbolicTensor, filters: number, strides: number, name: string, init: NextInit): tf.SymbolicTensor {
  const inChannels = x.shape[3];
  let y = relu(convBn(x, filters, 3, strides, `${name}_a`, init), `${name}_a_relu`);
  y = convBn(y, filters, 3, 1, `${name}_b`, init);
  const shortcut = strides !== 1 || inChannels !== filters ? convBn(x, filters, 1, strides, `${name}_proj`, init) : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
  return relu(sum, `${name}_out`);
}

/**
 * Builds the encoder. Input: float32 [B, S, S, 3] in [0, 1]; the model maps it to [-1, 1] itself, so an
 * exported model needs only "resize to S×S, RGB, divide by 255". Output: h, [B, representationDim].
 * A seed makes the initial weights reproducible.
 */
export function buildEncoder(name: EncoderName, imageSize: number, seed?: number): tf.LayersModel {
  const spec = specs[name];
  const init = kernelInitializers(seed);
  const input = tf.input({ shape: [imageSize, imageSize, 3], name: 'image' });
  let x = tf.layers.rescaling({ scale: 2, offset: -1, name: 'to_signed' }).apply(input) as tf.SymbolicTensor;
  x = relu(convBn(x, spec.widths[0], 3, 1, 'stem', init), 'stem_relu');
  spec.widths.forEach((width, stage) => {
    for (let block = 0; block < spec.blocksPerStage; block++) {
      x = basicBlock(x, width, block === 0 ? stageStrides[stage] : 1, `stage${stage + 1}_block${block + 1}`, init);
    }
  });
  const h = tf.layers.globalAveragePooling2d({ name: 'h' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h, name: `encoder_${name}` });
}
