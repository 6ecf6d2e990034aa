/**
 * Writes everything a user takes elsewhere: the chosen classifier (ONNX and/or TensorFlow.js), the encoder alone,
 * every image's embedding, the labels in the usual formats, a model card and scripts that classify a folder as the
 * app does. It all goes into a hidden folder renamed into place when complete (staging.ts).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import packageJson from '../../../../../package.json' with { type: 'json' };
import { StudioError, exportOptionsSchema, type ExportedFile } from '../../../../shared/contract';
import { datasetJson, datasetOf, labelsCsv, writeImageFolder } from '../../export/label-files';
import { buildModelCard, modelCardMarkdown, type EncoderDescription } from '../../export/model-card';
import { classifierOnnx, encoderOnnx } from '../../export/model-files';
import { npyBytes } from '../../export/npy';
import { predictMjs, predictPackageJson, predictPy, predictRequirements } from '../../export/predict-scripts';
import { describeWriteError, stageFolder } from '../../export/staging';
import { encoderVersion } from '../../ml/files/checkpoint-layout';
import { fileLoadHandler, fileSaveHandler } from '../../ml/files/tfjs-files';
import { toCsv } from '../../store/csv';
import { predictionsCsv } from '../../store/export-csv';
import type { ProjectStore } from '../../store/project-store';
import { staleOutputs } from '../output-sources';
import { preprocessingFor, readClassifierLabels } from './classifier-artifacts';
import { loadPretrainedEncoder, modelInputSize } from './load-encoder';
import { representationsOf } from './representations';
import type { Task } from './task';

function describeEncoder(store: ProjectStore, encoder: tf.LayersModel): EncoderDescription {
  return {
    name: encoder.name.replace(/^encoder_/, ''),
    imageSize: modelInputSize(encoder),
    parameters: encoder.countParams(),
    representationDim: encoder.outputs[0].shape[1] as number,
    version: encoderVersion(store.layout.pretrainCheckpoint),
  };
}

export const exportTask: Task<'export'> = async (context) => {
  const { store, report, signal } = context;
  const options = exportOptionsSchema.parse(context.options);
  const source = store.layout.classifier;
  if (!existsSync(join(source, 'model.json'))) throw new StudioError('There is no fine-tuned classifier yet; fine-tune one first');
  const target = resolve(options.outDir);
  const stage = await stageFolder(target, options.replace);
  const files: ExportedFile[] = [];
  const step = (fraction: number, message: string) => {
    signal.throwIfAborted();
    report({ fraction, phase: 'writing', message, metrics: {} });
  };
  /** Records a file (or a folder of files) written under the stage, with its size. */
  const record = async (name: string, description: string) => {
    const path = join(stage.dir, name);
    const info = await stat(path);
    const bytes = info.isDirectory() ? (await Promise.all(['model.json', 'weights.bin'].map((f) => stat(join(path, f))))).reduce((a, s) => a + s.size, 0) : info.size;
    files.push({ path: name, bytes, description });
  };
  const write = async (name: string, data: string | Uint8Array, description: string) => {
    await writeFile(join(stage.dir, name), data);
    await record(name, description);
  };

  const classifier = await tf.loadLayersModel(fileLoadHandler(source));
  const encoder = await loadPretrainedEncoder(store);
  let embedded = 0;
  try {
    const classes = await readClassifierLabels(source);
    const classNames = classes.labels;
    const inputSize = modelInputSize(classifier);
    const preprocessing = preprocessingFor(inputSize);
    const encoderInfo = describeEncoder(store, encoder);
    const wantOnnx = options.formats.includes('onnx');

    step(0.05, 'Writing the classifier');
    if (wantOnnx) await write('model.onnx', classifierOnnx(classifier, classNames, preprocessing), 'the classifier (encoder and head), ONNX opset 13: image → probabilities, logits');
    if (options.formats.includes('tfjs')) {
      await mkdir(join(stage.dir, 'model.tfjs'));
      for (const name of ['model.json', 'weights.bin']) await copyFile(join(source, name), join(stage.dir, 'model.tfjs', name));
      await record('model.tfjs', 'the classifier, TensorFlow.js layers format (tf.loadLayersModel)');
    }
    await write('classes.json', JSON.stringify(classes, null, 2), 'the class of each output, in order');
    await write('preprocessing.json', JSON.stringify(preprocessing, null, 2), 'how to turn an image file into the model input');

    if (options.encoder) {
      step(0.2, 'Writing the encoder');
      const description = `${encoderInfo.name} at ${inputSize} px, h of ${encoderInfo.representationDim} dimensions`;
      if (wantOnnx) await write('encoder.onnx', encoderOnnx(encoder, description, preprocessing), `the encoder alone, ONNX: image → h (${encoderInfo.representationDim} features)`);
      if (options.formats.includes('tfjs')) {
        await encoder.save(fileSaveHandler(join(stage.dir, 'encoder.tfjs')));
        await record('encoder.tfjs', 'the encoder alone, TensorFlow.js layers format');
      }
    }

    if (options.embeddings) {
      step(0.3, 'Embedding every image');
      const { imageIds, values, dim } = await representationsOf(context, encoder);
      const paths = store.images.paths(imageIds);
      await write('embeddings.npy', npyBytes(values, [imageIds.length, dim]), `h of every image, float32 [${imageIds.length}, ${dim}] (numpy.load), encoder ${encoderInfo.version ?? ''}`.trim());
      await write('embeddings.csv', toCsv(['row', 'image_id', 'path'], imageIds.map((id, row) => [String(row), String(id), paths.get(id)!])), 'which image each row of embeddings.npy is');
      embedded = imageIds.length;
    }

    step(0.6, 'Writing the labels and predictions');
    const dataset = datasetOf(store);
    await write('labels.csv', labelsCsv(dataset), 'path,label,split (train or test) of every labelled image');
    const predictions = predictionsCsv(store);
    await write('predictions.csv', predictions.text, 'path,label,confidence of every image, from the fine-tuned model');
    await write('dataset.json', datasetJson(dataset), 'classes; every image with its label, split, prediction, confidence and label flag');
    if (options.imageFolder !== 'none') {
      const mode = options.imageFolder;
      await writeImageFolder(join(stage.dir, 'imagefolder'), dataset, mode, signal, (done, total) => step(0.6 + 0.25 * (done / total), `ImageFolder tree: ${done} / ${total} images ${mode === 'copy' ? 'copied' : 'linked'}`));
      files.push({ path: 'imagefolder', bytes: 0, description: `the labelled images as imagefolder/<split>/<class>/ (${mode === 'copy' ? 'copies' : 'symbolic links to the originals'})` });
    }

    step(0.9, 'Writing the model card and scripts');
    if (wantOnnx) {
      await write('predict.mjs', predictMjs(), 'classifies a folder with model.onnx as the app does (npm install; node predict.mjs <folder>)');
      await write('package.json', predictPackageJson({ onnxruntime: packageJson.devDependencies['onnxruntime-node'], sharp: packageJson.dependencies.sharp }), "predict.mjs's dependencies");
      await write('predict.py', predictPy(), 'classifies a folder with model.onnx as the app does (pip install -r requirements.txt; python3 predict.py <folder>)');
      await write('requirements.txt', predictRequirements, "predict.py's dependencies");
    }
    const card = buildModelCard(store, { dataset, classNames, encoder: encoderInfo, preprocessing, stale: staleOutputs(store), files });
    await write('model-card.json', JSON.stringify(card, null, 2), 'this card, for tools');
    await write('MODEL_CARD.md', modelCardMarkdown({ ...card, files }), 'what the model is, how it was chosen and measured, and how to feed it');
    signal.throwIfAborted();
    await stage.commit();
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    return {
      result: { dir: target, files: files.map((f) => ({ ...f, path: join(target, f.path) })) },
      metrics: { files: files.length, bytes, labels: dataset.images.filter((i) => i.label !== null).length, predictions: predictions.rows, embedded },
    };
  } catch (error) {
    await stage.discard();
    // File-system errors say what went wrong where; the rest (a cancel, a model that cannot convert) as they are.
    throw (error as { code?: unknown }).code ? describeWriteError(target, error) : error;
  } finally {
    classifier.dispose();
    encoder.dispose();
  }
};
