/**
 * tf.variableGrads, but holding only what backpropagation still needs. tfjs keeps every saved activation
 * and every intermediate gradient until the whole backward pass ends, so a ResNet step peaks at about
 * twice its activations; here each tape node's saved tensors and its outputs' gradients are freed as soon
 * as the walk has passed the node, so memory falls as backprop moves toward the input.
 * Same tape, same gradient functions, same results as tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs';
import { phase } from './step-profile';

/** The parts of tfjs-core's engine and tape a backward walk needs (internal in tfjs 4.22, stable since 1.x). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** The nodes on some path from one of xs to y, in tape order, each with only the inputs that lie on such a path. */
function nodesBetween(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const reachedFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      reachedFromX.add(node.id);
      for (const out of node.outputs) fromX.add(out.id);
    }
  }
  const leadsToY = new Set([y.id]);
  const reachesY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((out) => leadsToY.has(out.id))) {
      reachesY.add(node.id);
      for (const input of Object.values(node.inputs)) leadsToY.add(input.id);
    }
  }
  return tape
    .filter((node) => reachedFromX.has(node.id) && reachesY.has(node.id))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

function backpropagate(nodes: TapeNode[], gradientOf: Map<number, tf.Tensor>, keep: Set<number>): void {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dys = node.outputs.map((out) => gradientOf.get(out.id) ?? null);
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const inputGradients = node.gradient(dys);
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in inputGradients)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
      let dx = tf.tidy(() => inputGradients[name]());
      // A gradient function may hand back its dy itself; that dy is freed below, so keep a reference of our own.
      if (dys.includes(dx)) dx = dx.clone();
      if (dx.dtype !== 'float32') throw new Error(`The gradient of ${node.kernelName}'s input ${name} must be float32, not ${dx.dtype}.`);
      if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`The gradient of ${node.kernelName}'s input ${name} has shape ${dx.shape.join('×')}, not ${x.shape.join('×')}.`);
      const sum = gradientOf.get(x.id);
      gradientOf.set(x.id, sum ? tf.add(sum, dx) : dx);
      if (sum) tf.dispose([sum, dx]);
    }
    // Every consumer of this node's outputs comes later on the tape, so their gradients are complete and used.
    for (const out of node.outputs) {
      if (keep.has(out.id)) continue;
      gradientOf.get(out.id)?.dispose();
      gradientOf.delete(out.id);
    }
    tf.dispose(node.saved ?? []);
    node.saved = [];
  }
}

/** Detaches the tape recorded so far from the engine, as tfjs does when a gradient computation ends. */
function takeTape(engine: EngineInternals): TapeNode[] {
  const tape = engine.state.activeTape ?? [];
  engine.state.activeTape = null;
  return tape;
}

/**
 * The value of f() and its gradients with respect to the trainable variables in varList, named by
 * variable. Only first-order gradients: it must not run inside another gradient computation.
 */
export function frugalVariableGrads(f: () => tf.Scalar, varList: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0) throw new Error('frugalVariableGrads cannot run inside another gradient computation');
  const variables = varList.filter((v) => v.trainable);
  if (variables.length === 0) throw new Error('frugalVariableGrads needs at least one trainable variable');
  let tape: TapeNode[] = [];
  try {
    const value = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () => phase('forward', () => engine.tidy('forward', f)),
    );
    tape = takeTape(engine);
    if (value.rank !== 0) {
      value.dispose();
      throw new Error(`f must return a scalar, not a rank-${value.rank} tensor`);
    }
    const grads = phase('backward', () => engine.tidy('backward', () => {
      const gradientOf = new Map<number, tf.Tensor>([[value.id, tf.onesLike(value)]]);
      backpropagate(nodesBetween(tape, variables, value), gradientOf, new Set(variables.map((v) => v.id)));
      const named: tf.NamedTensorMap = {};
      for (const v of variables) {
        const g = gradientOf.get(v.id);
        if (g) named[v.name] = g;
      }
      return named;
    }));
    if (Object.keys(grads).length === 0) throw new Error('no variable in varList affects the value of f');
    return { value, grads };
  } finally {
    // Saved tensors of nodes off the path between the variables and the value (or of all, if f threw).
    for (const node of tape.length > 0 ? tape : takeTape(engine)) tf.dispose(node.saved ?? []);
  }
}
