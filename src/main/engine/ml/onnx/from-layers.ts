/**
 * A TensorFlow.js layers model (the app's encoders and classifiers) as an ONNX graph, opset 13, with a dynamic
 * batch. The input stays as the app feeds it, NHWC float32 in [0, 1], and is transposed once to ONNX's NCHW;
 * each layer becomes the ONNX operators that compute it in inference mode. Batch norm after a convolution or a
 * dense layer is folded into its weights by default (one operator fewer, the same numbers to float32 rounding).
 */
import type * as tf from '@tensorflow/tfjs';
import { float, GraphWriter, int, ints } from './graph-writer';
import { DataType, type OnnxModel } from './proto';

/** The opset this writer targets: ReduceMean still takes its axes as an attribute, Softmax works on one axis. */
const onnxOpset = 13;
/** ONNX IR version 7 goes with opset 13. */
const irVersion = 7;
const batchDim = 'batch';

export interface OnnxConversion {
  /** The graph input's name; the model's input is NHWC [batch, S, S, 3]. */
  inputName: string;
  /** The graph output's name (the model's own output). */
  outputName: string;
  /** Also output the pre-softmax scores as `logits` when the model ends in a dense softmax layer. */
  logitsName?: string;
  /** Fold batch norm into the convolution or dense layer before it (default); false keeps BatchNormalization operators. */
  foldBatchNorm?: boolean;
  docString: string;
  metadata: Record<string, string>;
  producerVersion: string;
  inputDoc?: string;
  outputDoc?: string;
}

/** A converted value: its ONNX name, and whether it is a feature map in NCHW order (the layers model's is NHWC). */
interface Value {
  name: string;
  nchw: boolean;
}

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

const nhwcToNchw = [0, 3, 1, 2];
const nchwToNhwc = [0, 2, 3, 1];

/** A layer's weights as float32 arrays, in the layer's own order. */
function weightsOf(layer: Layer): Float32Array[] {
  return layer.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** TensorFlow's 'same' padding for one spatial side: the extra cell, if any, goes after (ONNX's SAME_UPPER). */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** ONNX pads [top, left, bottom, right] for a layer's padding on an NHWC input shape. */
function pads(config: Config, inputShape: (number | null)[], kernel: number[], strides: number[]): number[] {
  if (config.padding === 'valid') return [0, 0, 0, 0];
  if (config.padding !== 'same') throw new Error(`ONNX export: padding ${String(config.padding)} is not supported`);
  const [top, bottom] = samePadding(inputShape[1] as number, kernel[0], strides[0]);
  const [left, right] = samePadding(inputShape[2] as number, kernel[1], strides[1]);
  return [top, left, bottom, right];
}

const pair = (value: unknown): number[] => (Array.isArray(value) ? (value as number[]) : [value as number, value as number]);

/** Batch norm's inference form y = x·scale + shift, per channel, in float64. */
function batchNormAffine(layer: Layer): { scale: Float64Array; shift: Float64Array } {
  const config = layer.getConfig();
  const weights = weightsOf(layer);
  const gamma = config.scale ? weights.shift()! : null;
  const beta = config.center ? weights.shift()! : null;
  const [mean, variance] = weights;
  const epsilon = config.epsilon as number;
  const scale = Float64Array.from(mean, (_, c) => (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + epsilon));
  const shift = Float64Array.from(mean, (m, c) => (beta ? beta[c] : 0) - m * scale[c]);
  return { scale, shift };
}

class Converter {
  readonly graph = new GraphWriter();
  readonly #values = new Map<number, Value>();
  readonly #consumers = new Map<number, tf.SymbolicTensor[]>();
  #logits: string | null = null;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly options: OnnxConversion,
  ) {
    this.#countConsumers(model.outputs);
    // The graph's own names first, so no layer's name takes them.
    for (const name of [options.inputName, options.outputName, options.logitsName]) if (name) this.graph.reserve(name);
  }

  #countConsumers(tensors: tf.SymbolicTensor[], seen = new Set<number>()): void {
    for (const tensor of tensors) {
      if (seen.has(tensor.id)) continue;
      seen.add(tensor.id);
      for (const input of tensor.inputs) {
        this.#consumers.set(input.id, [...(this.#consumers.get(input.id) ?? []), tensor]);
      }
      this.#countConsumers(tensor.inputs, seen);
    }
  }

  convert(): OnnxModel {
    const { model, options, graph } = this;
    if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error('ONNX export: the model must have one input and one output');
    const output = this.#value(model.outputs[0]);
    if (output.nchw) throw new Error('ONNX export: the model must end in a flat vector per image');
    graph.node('Identity', [output.name], 'output', {}, options.outputName);
    const inputShape = model.inputs[0].shape;
    const outputWidth = model.outputs[0].shape[1] as number;
    const outputs = [{ name: options.outputName, docString: options.outputDoc, elemType: DataType.float, shape: [batchDim, outputWidth] }];
    if (options.logitsName && this.#logits) {
      graph.node('Identity', [this.#logits], 'logits', {}, options.logitsName);
      outputs.push({ name: options.logitsName, docString: 'the scores before the softmax', elemType: DataType.float, shape: [batchDim, outputWidth] });
    }
    return {
      irVersion,
      opsetVersion: onnxOpset,
      producerName: 'SimCLR Studio',
      producerVersion: options.producerVersion,
      docString: options.docString,
      metadata: options.metadata,
      graph: {
        name: model.name,
        node: graph.nodes,
        initializer: graph.initializers,
        input: [{ name: options.inputName, docString: options.inputDoc, elemType: DataType.float, shape: [batchDim, ...(inputShape.slice(1) as number[])] }],
        output: outputs,
      },
    };
  }

  /** The ONNX value of a symbolic tensor, converting the layers that produce it first. */
  #value(tensor: tf.SymbolicTensor): Value {
    const known = this.#values.get(tensor.id);
    if (known) return known;
    const inputs = tensor.inputs.map((input) => this.#value(input));
    // A batch norm folded into the layer before it got its value while that layer was converted.
    const folded = this.#values.get(tensor.id);
    if (folded) return folded;
    const value = this.#layer(tensor, inputs);
    this.#values.set(tensor.id, value);
    return value;
  }

  /** The only consumer of a tensor when it is a batch norm that can be folded into the layer producing it. */
  #foldableBatchNorm(tensor: tf.SymbolicTensor): tf.SymbolicTensor | null {
    if (this.options.foldBatchNorm === false) return null;
    const consumers = this.#consumers.get(tensor.id) ?? [];
    const only = consumers.length === 1 ? consumers[0] : null;
    return only && only.sourceLayer.getClassName() === 'BatchNormalization' && this.model.outputs[0].id !== tensor.id ? only : null;
  }

  /**
   * Emits a layer whose weights are a per-output-channel kernel and bias (conv or dense), folding a following
   * batch norm into them. The kernel holds each output channel's weights together, channel after channel.
   */
  #affine(tensor: tf.SymbolicTensor, kernel: Float32Array, bias: Float32Array | null, channels: number): { kernel: Float32Array; bias: Float32Array | null } {
    const bn = this.#foldableBatchNorm(tensor);
    if (!bn) return { kernel, bias };
    const { scale, shift } = batchNormAffine(bn.sourceLayer);
    const perChannel = kernel.length / channels;
    const folded = Float32Array.from(kernel, (w, i) => w * scale[Math.floor(i / perChannel)]);
    return { kernel: folded, bias: Float32Array.from(scale, (s, c) => (bias ? bias[c] : 0) * s + shift[c]) };
  }

  #layer(tensor: tf.SymbolicTensor, inputs: Value[]): Value {
    const layer = tensor.sourceLayer;
    const config = layer.getConfig();
    const name = layer.name;
    const graph = this.graph;
    const [x] = inputs;
    switch (layer.getClassName()) {
      case 'InputLayer': {
        if (tensor.shape.length !== 4) throw new Error(`ONNX export: the input ${name} is not an image batch [batch, height, width, channels]`);
        return { name: graph.node('Transpose', [this.options.inputName], 'to_nchw', { perm: ints(nhwcToNchw) }), nchw: true };
      }
      case 'Rescaling': {
        const scaled = graph.node('Mul', [x.name, graph.scalar(`${name}_scale`, config.scale as number)], `${name}_mul`);
        return { name: graph.node('Add', [scaled, graph.scalar(`${name}_offset`, config.offset as number)], `${name}_add`), nchw: x.nchw };
      }
      case 'Conv2D':
        return this.#conv(tensor, x, config);
      case 'Dense':
        return this.#dense(tensor, x, config);
      case 'BatchNormalization':
        return this.#batchNorm(tensor, x);
      case 'ReLU':
        if (config.maxValue != null) throw new Error(`ONNX export: ${name} caps ReLU, which is not supported`);
        return { name: graph.node('Relu', [x.name], name), nchw: x.nchw };
      case 'Add':
        if (inputs.some((v) => v.nchw !== x.nchw)) throw new Error(`ONNX export: ${name} adds tensors of different layouts`);
        return { name: graph.node('Add', inputs.map((v) => v.name), name), nchw: x.nchw };
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const kernel = pair(config.poolSize);
        const strides = pair(config.strides ?? config.poolSize);
        const op = layer.getClassName() === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
        const attributes = { kernel_shape: ints(kernel), strides: ints(strides), pads: ints(pads(config, tensor.inputs[0].shape, kernel, strides)) };
        return { name: graph.node(op, [this.#nchw(x, name)], name, attributes), nchw: true };
      }
      case 'GlobalAveragePooling2D': {
        const pooled = graph.node('GlobalAveragePool', [this.#nchw(x, name)], name);
        return { name: graph.node('Flatten', [pooled], `${name}_flatten`, { axis: int(1) }), nchw: false };
      }
      case 'Flatten': {
        // The layers model flattens NHWC: back to that order first, so the features come out in the same order.
        const source = x.nchw ? graph.node('Transpose', [x.name], `${name}_to_nhwc`, { perm: ints(nchwToNhwc) }) : x.name;
        return { name: graph.node('Flatten', [source], name, { axis: int(1) }), nchw: false };
      }
      case 'LayerNormalization':
        return this.#layerNorm(layer, x, config);
      default:
        throw new Error(`ONNX export: the layer ${name} (${layer.getClassName()}) has no ONNX equivalent here`);
    }
  }

  #nchw(x: Value, name: string): string {
    if (!x.nchw) throw new Error(`ONNX export: ${name} expects a feature map`);
    return x.name;
  }

  #conv(tensor: tf.SymbolicTensor, x: Value, config: Config): Value {
    const layer = tensor.sourceLayer;
    const [kernel, bias] = weightsOf(layer);
    const [kh, kw, cin, cout] = layer.getWeights()[0].shape;
    if (pair(config.dilationRate).some((d) => d !== 1)) throw new Error(`ONNX export: ${layer.name} is dilated, which is not supported`);
    // [kh, kw, in, out] → ONNX's [out, in, kh, kw].
    const onnxKernel = new Float32Array(kernel.length);
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let r = 0; r < kh; r++) for (let c = 0; c < kw; c++) onnxKernel[((o * cin + i) * kh + r) * kw + c] = kernel[((r * kw + c) * cin + i) * cout + o];
    const affine = this.#affine(tensor, onnxKernel, config.useBias ? bias : null, cout);
    const strides = pair(config.strides);
    const inputs = [this.#nchw(x, layer.name), this.graph.weight(`${layer.name}_kernel`, [cout, cin, kh, kw], affine.kernel)];
    if (affine.bias) inputs.push(this.graph.weight(`${layer.name}_bias`, [cout], affine.bias));
    const attributes = { kernel_shape: ints([kh, kw]), strides: ints(strides), pads: ints(pads(config, tensor.inputs[0].shape, [kh, kw], strides)), dilations: ints([1, 1]), group: int(1) };
    const out = this.graph.node('Conv', inputs, layer.name, attributes);
    return this.#activate(tensor, out, config, true);
  }

  #dense(tensor: tf.SymbolicTensor, x: Value, config: Config): Value {
    const layer = tensor.sourceLayer;
    if (x.nchw) throw new Error(`ONNX export: ${layer.name} expects flat features`);
    const [kernel, bias] = weightsOf(layer);
    const [inputs, units] = layer.getWeights()[0].shape;
    // The kernel [in, out] transposed, so each output's weights are together and a batch norm folds per row.
    const perOutput = Float32Array.from(kernel, (_, k) => kernel[(k % inputs) * units + Math.floor(k / inputs)]);
    const affine = this.#affine(tensor, perOutput, config.useBias ? bias : null, units);
    const kernelName = this.graph.weight(`${layer.name}_kernel`, [units, inputs], affine.kernel);
    const operands = [x.name, kernelName, ...(affine.bias ? [this.graph.weight(`${layer.name}_bias`, [units], affine.bias)] : [])];
    const out = this.graph.node('Gemm', operands, layer.name, { transB: int(1) });
    return this.#activate(tensor, out, config, false);
  }

  /** The layer's activation after its affine part; where a batch norm was folded in, the output stands for it. */
  #activate(tensor: tf.SymbolicTensor, out: string, config: Config, nchw: boolean): Value {
    const folded = this.#foldableBatchNorm(tensor);
    if (folded) {
      if (config.activation !== 'linear') throw new Error(`ONNX export: ${tensor.sourceLayer.name} has an activation before its batch norm`);
      this.#values.set(folded.id, { name: out, nchw });
      return { name: out, nchw };
    }
    switch (config.activation) {
      case 'linear':
        return { name: out, nchw };
      case 'relu':
        return { name: this.graph.node('Relu', [out], `${tensor.sourceLayer.name}_relu`), nchw };
      case 'softmax':
        if (tensor.id === this.model.outputs[0].id) this.#logits = out;
        return { name: this.graph.node('Softmax', [out], `${tensor.sourceLayer.name}_softmax`, { axis: int(-1) }), nchw };
      default:
        throw new Error(`ONNX export: the activation ${String(config.activation)} of ${tensor.sourceLayer.name} is not supported`);
    }
  }

  #batchNorm(tensor: tf.SymbolicTensor, x: Value): Value {
    const layer = tensor.sourceLayer;
    const { scale, shift } = batchNormAffine(layer);
    const channels = scale.length;
    const ones = new Float32Array(channels).fill(1);
    const zeros = new Float32Array(channels);
    // As an operator with the affine form as its scale and bias (mean 0, variance 1 - ε, so the runtime's
    // own √(var + ε) is exactly 1).
    const epsilon = 1e-5;
    const operands = [
      x.name,
      this.graph.weight(`${layer.name}_scale`, [channels], scale),
      this.graph.weight(`${layer.name}_bias`, [channels], shift),
      this.graph.weight(`${layer.name}_mean`, [channels], zeros),
      this.graph.weight(`${layer.name}_var`, [channels], ones.map(() => 1 - epsilon)),
    ];
    return { name: this.graph.node('BatchNormalization', operands, layer.name, { epsilon: float(epsilon) }), nchw: x.nchw };
  }

  /** Layer normalisation over the last axis, in opset-13 operators (LayerNormalization itself came in opset 17). */
  #layerNorm(layer: Layer, x: Value, config: Config): Value {
    if (x.nchw) throw new Error(`ONNX export: ${layer.name} normalises a feature map, which is not supported`);
    const axis = config.axis as number | number[];
    if (![-1, [-1], 1, [1]].some((a) => JSON.stringify(a) === JSON.stringify(axis))) throw new Error(`ONNX export: ${layer.name} normalises over axis ${JSON.stringify(axis)}`);
    const g = this.graph;
    const name = layer.name;
    const mean = g.node('ReduceMean', [x.name], `${name}_mean`, { axes: ints([-1]), keepdims: int(1) });
    const centred = g.node('Sub', [x.name, mean], `${name}_centre`);
    const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred], `${name}_square`)], `${name}_variance`, { axes: ints([-1]), keepdims: int(1) });
    const deviation = g.node('Sqrt', [g.node('Add', [variance, g.scalar(`${name}_epsilon`, config.epsilon as number)], `${name}_add_epsilon`)], `${name}_deviation`);
    let y = g.node('Div', [centred, deviation], name);
    const weights = weightsOf(layer);
    const dim = layer.getWeights()[0]?.shape[0];
    if (config.scale) y = g.node('Mul', [y, g.weight(`${name}_gamma`, [dim!], weights.shift()!)], `${name}_scale`);
    if (config.center) y = g.node('Add', [y, g.weight(`${name}_beta`, [dim!], weights.shift()!)], `${name}_shift`);
    return { name: y, nchw: false };
  }
}

/** The model as an ONNX model; its weights are read now, so it can be disposed once this returns. */
export function layersModelToOnnx(model: tf.LayersModel, options: OnnxConversion): OnnxModel {
  return new Converter(model, options).convert();
}
