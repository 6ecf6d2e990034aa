/**
 * A functional model's forward pass in training mode that frees each intermediate activation after its last
 * consumer. tfjs-layers frees intermediates only in inference; in training it holds every one until the call
 * returns. The gradient tape keeps its own references to what backprop needs, so the rest can go at once.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of a tfjs-layers graph node this pass reads (internal in tfjs-layers 4.x). */
interface GraphNode {
  outboundLayer: tf.layers.Layer;
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/** The container's nodes in an order where each comes after the nodes it reads from. */
function nodesInOrder(model: tf.LayersModel): GraphNode[] {
  const byDepth = (model as unknown as { nodesByDepth: Record<string, GraphNode[]> }).nodesByDepth;
  return Object.keys(byDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((depth) => byDepth[depth]);
}

/** model.apply(input, { training: true }) for a single-input, single-output functional model. */
export function applyTraining(model: tf.LayersModel, input: tf.Tensor): tf.Tensor {
  const [inputSymbol] = model.inputs;
  const [outputSymbol] = model.outputs;
  const nodes = nodesInOrder(model).filter((node) => node.outboundLayer.getClassName() !== 'InputLayer');
  const readsLeft = new Map<number, number>();
  for (const node of nodes) for (const s of node.inputTensors) readsLeft.set(s.id, (readsLeft.get(s.id) ?? 0) + 1);
  const values = new Map<number, tf.Tensor>([[inputSymbol.id, input]]);
  for (const node of nodes) {
    const inputs = node.inputTensors.map((s) => {
      const value = values.get(s.id);
      if (!value) throw new Error(`${model.name}: layer ${node.outboundLayer.name} runs before its input ${s.name}`);
      return value;
    });
    const outputs = node.outboundLayer.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[];
    (Array.isArray(outputs) ? outputs : [outputs]).forEach((t, i) => values.set(node.outputTensors[i].id, t));
    for (const s of node.inputTensors) {
      const left = readsLeft.get(s.id)! - 1;
      readsLeft.set(s.id, left);
      if (left === 0 && s.id !== inputSymbol.id && s.id !== outputSymbol.id) values.get(s.id)!.dispose();
    }
  }
  return values.get(outputSymbol.id)!;
}
