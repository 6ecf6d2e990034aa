/**
 * Reads and writes the standard TensorFlow.js layers format (model.json + weights.bin) with node:fs, so
 * checkpoints and exported models load with plain @tensorflow/tfjs anywhere, without tfjs-node.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const modelFile = 'model.json';
const weightsFile = 'weights.bin';

function toBuffer(data: tf.io.WeightData): Buffer {
  return Buffer.from(tf.io.CompositeArrayBuffer.join(data));
}

/** A tight copy: Node's Buffer may be a view into a larger shared pool. */
function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Save handler for `model.save(fileSaveHandler(dir))`: writes dir/model.json and dir/weights.bin. */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(dir, weightsFile), toBuffer(artifacts.weightData ?? new ArrayBuffer(0)));
      await writeFile(join(dir, modelFile), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Load handler for `tf.loadLayersModel(fileLoadHandler(dir))`; reads every weights file the manifest names. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse(await readFile(join(dir, modelFile), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((p) => readFile(join(dir, p))));
        return [specs, toArrayBuffer(Buffer.concat(buffers))];
      });
    },
  };
}

/** Writes named tensors (e.g. optimizer state) as dir/<name>.json (specs) + dir/<name>.bin, in order. */
export async function saveNamedTensors(dir: string, name: string, tensors: { name: string; tensor: tf.Tensor }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeFile(join(dir, `${name}.bin`), toBuffer(data));
  await writeFile(join(dir, `${name}.json`), JSON.stringify(specs));
}

/** Reads what saveNamedTensors wrote, preserving order (optimizers match state to variables by position). */
export async function loadNamedTensors(dir: string, name: string): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const specs = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as tf.io.WeightsManifestEntry[];
  const map = tf.io.decodeWeights(toArrayBuffer(await readFile(join(dir, `${name}.bin`))), specs);
  return specs.map((spec) => ({ name: spec.name, tensor: map[spec.name] }));
}
