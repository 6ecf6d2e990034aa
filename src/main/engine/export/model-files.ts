/**
 * The chosen classifier and the encoder as .onnx files that say what they are: named inputs and outputs with
 * their meaning, and the classes and preprocessing in the model's metadata, so the file alone is enough.
 */
import type * as tf from '@tensorflow/tfjs';
import packageJson from '../../../../package.json' with { type: 'json' };
import { layersModelToOnnx } from '../ml/onnx/from-layers';
import { encodeOnnxModel } from '../ml/onnx/proto';

export const appVersion: string = packageJson.version;

/** Graph names predict.py, predict.mjs and the model card use. */
export const onnxNames = { input: 'image', probabilities: 'probabilities', logits: 'logits', representation: 'h' } as const;

const inputDoc = (side: number) => `RGB images, NHWC float32 [batch, ${side}, ${side}, 3], values in [0, 1]: see preprocessing.json`;

export function classifierOnnx(model: tf.LayersModel, classNames: string[], preprocessing: object): Uint8Array {
  const side = model.inputs[0].shape[1] as number;
  return encodeOnnxModel(
    layersModelToOnnx(model, {
      inputName: onnxNames.input,
      outputName: onnxNames.probabilities,
      logitsName: onnxNames.logits,
      docString: `SimCLR Studio classifier: ${classNames.length} classes (${classNames.join(', ')})`,
      inputDoc: inputDoc(side),
      outputDoc: 'class probabilities, in the order of the classes metadata (classes.json)',
      metadata: { classes: JSON.stringify(classNames), preprocessing: JSON.stringify(preprocessing) },
      producerVersion: appVersion,
    }),
  );
}

export function encoderOnnx(encoder: tf.LayersModel, description: string, preprocessing: object): Uint8Array {
  const side = encoder.inputs[0].shape[1] as number;
  return encodeOnnxModel(
    layersModelToOnnx(encoder, {
      inputName: onnxNames.input,
      outputName: onnxNames.representation,
      docString: `SimCLR Studio encoder f: ${description}`,
      inputDoc: inputDoc(side),
      outputDoc: 'the representation h (the encoder’s globally averaged last feature map), one row per image',
      metadata: { preprocessing: JSON.stringify(preprocessing) },
      producerVersion: appVersion,
    }),
  );
}
