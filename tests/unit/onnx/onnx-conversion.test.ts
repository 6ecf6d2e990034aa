import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EncoderName } from '../../../src/shared/contract';
import { initBackend } from '../../../src/main/engine/ml/backends/backend';
import { buildClassifier, buildLinearClassifier } from '../../../src/main/engine/ml/few-label/classifier';
import { buildNeighbourClassifier } from '../../../src/main/engine/ml/few-label/neighbour-vote';
import { regionFeatureModel } from '../../../src/main/engine/ml/few-label/region-features';
import { buildEncoder, representationDim } from '../../../src/main/engine/ml/model/encoder';
import { buildProjectionHead } from '../../../src/main/engine/ml/model/head';
import { layersModelToOnnx } from '../../../src/main/engine/ml/onnx/from-layers';
import { decodeOnnxModel, encodeOnnxModel } from '../../../src/main/engine/ml/onnx/proto';
import { Rng } from '../../../src/main/engine/ml/rng';
import { checkWithOnnxChecker, maxAbsDifference, modelInputs, randomiseBatchNorms, runOnnx, writeBytes, writeTestImages } from './onnx-helpers';

await initBackend('wasm');

const dir = mkdtempSync(join(tmpdir(), 'onnx-conversion-'));
const images = await writeTestImages(dir, 4);
const written: string[] = [];

const convert = (model: tf.LayersModel, outputName: string, foldBatchNorm = true) =>
  encodeOnnxModel(layersModelToOnnx(model, { inputName: 'image', outputName, logitsName: 'logits', foldBatchNorm, docString: 'test', metadata: { test: 'yes' }, producerVersion: '0' }));

const predict = (model: tf.LayersModel, input: Float32Array, side: number) => tf.tidy(() => (model.predict(tf.tensor4d(input, [input.length / (side * side * 3), side, side, 3])) as tf.Tensor).dataSync() as Float32Array);

/** The scores before the softmax of a model ending in a dense softmax layer named 'classifier'. */
function logitsOf(model: tf.LayersModel, input: Float32Array, side: number): Float32Array {
  const dense = model.getLayer('classifier');
  const features = tf.model({ inputs: model.inputs, outputs: dense.input as tf.SymbolicTensor });
  const [kernel, bias] = dense.getWeights();
  return tf.tidy(() => (tf.tensor2d(predict(features, input, side), [input.length / (side * side * 3), kernel.shape[0]]).matMul(kernel).add(bias).dataSync() as Float32Array));
}

const argmaxRows = (values: Float32Array, width: number) =>
  Array.from({ length: values.length / width }, (_, row) => {
    const r = values.subarray(row * width, (row + 1) * width);
    return r.indexOf(Math.max(...r));
  });

/** Each preset's encoder at the preset's image size (resnet-mini at the cpu preset's), and the ImageNet stem. */
const encoders: [EncoderName, number][] = [
  ['resnet-tiny', 32],
  ['resnet-mini', 32],
  ['resnet18', 96],
  ['resnet50', 224],
];

for (const [name, side] of encoders) {
  test(`${name} at ${side} px: the ONNX encoder gives the app's h within 1e-4 of its scale in ONNX Runtime, batch norm folded or not`, async () => {
    const encoder = buildEncoder(name, side, 7);
    randomiseBatchNorms(encoder, 8);
    const input = await modelInputs(name === 'resnet50' ? images.slice(0, 2) : images, side);
    const want = predict(encoder, input, side);
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    for (const fold of [true, false]) {
      const bytes = convert(encoder, 'h', fold);
      written.push(writeBytes(join(dir, `${name}-${fold ? 'folded' : 'bn'}.onnx`), bytes));
      const got = await runOnnx(bytes, input, side);
      assert.ok(maxAbsDifference(want, got.h) <= 1e-4 * scale, `${name} (batch norm ${fold ? 'folded' : 'kept'}): max |Δh| ${maxAbsDifference(want, got.h)} for |h| up to ${scale}`);
      assert.equal(got.logits, undefined, 'an encoder has no logits');
    }
    const ops = (decodeOnnxModel(convert(encoder, 'h', true)).graph as { node: { opType: string }[] }).node.map((n) => n.opType);
    assert.ok(!ops.includes('BatchNormalization'), 'every batch norm follows a conv and is folded');
    if (side > 64) assert.ok(ops.includes('MaxPool'), 'the ImageNet stem pools');
    encoder.dispose();
  });
}

const side = 32;
const numClasses = 3;

/** Compares a classifier's probabilities (and logits, where it has them) in ONNX Runtime with the app's. */
async function assertSameClassifier(model: tf.LayersModel, label: string, hasLogits: boolean) {
  const input = await modelInputs(images, side);
  const bytes = convert(model, 'probabilities');
  written.push(writeBytes(join(dir, `${label}.onnx`), bytes));
  const got = await runOnnx(bytes, input, side);
  const want = predict(model, input, side);
  assert.ok(maxAbsDifference(want, got.probabilities) <= 1e-4, `${label}: max |Δp| ${maxAbsDifference(want, got.probabilities)}`);
  assert.deepEqual(argmaxRows(got.probabilities, numClasses), argmaxRows(want, numClasses), `${label}: the same class for every image`);
  if (hasLogits) assert.ok(maxAbsDifference(logitsOf(model, input, side), got.logits) <= 1e-4, `${label}: max |Δlogit| ${maxAbsDifference(logitsOf(model, input, side), got.logits)}`);
  else assert.equal(got.logits, undefined);
}

test('a fine-tuned classifier (encoder + the head’s first layer, its batch norm folded into the dense layer + softmax) matches in ONNX Runtime', async () => {
  const encoder = buildEncoder('resnet-tiny', side, 3);
  randomiseBatchNorms(encoder, 4);
  const head = buildProjectionHead(representationDim('resnet-tiny'), 128, 5);
  randomiseBatchNorms(head, 6);
  const model = buildClassifier(encoder, numClasses, { head, seed: 9 });
  await assertSameClassifier(model, 'finetune', true);
  model.dispose();
});

test('a linear probe on region features (average pooling over quarters, NHWC flattening) matches in ONNX Runtime', async () => {
  const encoder = buildEncoder('resnet-tiny', side, 11);
  randomiseBatchNorms(encoder, 12);
  const regions = regionFeatureModel(encoder);
  const dim = regions.outputs[0].shape[1] as number;
  const rng = new Rng(13);
  const kernel = Float32Array.from({ length: dim * numClasses }, () => rng.next() - 0.5);
  const model = buildLinearClassifier(regions, { kernel, bias: Float32Array.from([0.1, -0.2, 0.3]) });
  await assertSameClassifier(model, 'linear', true);
  model.dispose();
});

test('a neighbour vote (layer normalisation, the labelled images as a dense layer, their classes) matches in ONNX Runtime', async () => {
  const encoder = buildEncoder('resnet-tiny', side, 21);
  randomiseBatchNorms(encoder, 22);
  const bank = { features: predict(encoder, await modelInputs(images.slice(0, 3), side), side), labels: [0, 1, 2] };
  const model = buildNeighbourClassifier(encoder, bank, numClasses);
  await assertSameClassifier(model, 'knn', false);
  model.dispose();
});

test('every model written above passes onnx.checker (full check, with shape inference)', () => {
  assert.ok(written.length >= encoders.length * 2 + 3, `${written.length} models were written`);
  checkWithOnnxChecker(written);
  rmSync(dir, { recursive: true, force: true });
});

test('a layer with no ONNX equivalent is refused by name', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh', name: 'odd' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(conv) as tf.SymbolicTensor });
  assert.throws(() => convert(model, 'y'), /activation tanh of odd/);
  model.dispose();
});
