/** Collects an ONNX graph's nodes and weights, giving every value a unique name (ONNX graphs are single-assignment). */
import { AttributeType, DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './proto';

export type AttributeValue = { type: 'int'; value: number } | { type: 'ints'; value: number[] } | { type: 'float'; value: number };

export const int = (value: number): AttributeValue => ({ type: 'int', value });
export const ints = (value: number[]): AttributeValue => ({ type: 'ints', value });
export const float = (value: number): AttributeValue => ({ type: 'float', value });

function attribute(name: string, { type, value }: AttributeValue): OnnxAttribute {
  if (type === 'int') return { name, type: AttributeType.int, i: value };
  if (type === 'ints') return { name, type: AttributeType.ints, ints: value };
  return { name, type: AttributeType.float, f: value };
}

/** Float32 values as raw little-endian bytes, copied so a view into a larger buffer carries only its own values. */
function floatBytes(values: ArrayLike<number>): Uint8Array {
  const copy = Float32Array.from(values);
  return new Uint8Array(copy.buffer);
}

export class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly #taken = new Set<string>();

  /** `name`, or `name_2`, `name_3`… where it is taken. */
  unique(name: string): string {
    let candidate = name;
    for (let n = 2; this.#taken.has(candidate); n++) candidate = `${name}_${n}`;
    this.#taken.add(candidate);
    return candidate;
  }

  /** Reserves a name the graph's caller chose (an input or output), failing if it is taken. */
  reserve(name: string): string {
    if (this.#taken.has(name)) throw new Error(`ONNX graph: the name ${name} is taken`);
    this.#taken.add(name);
    return name;
  }

  /** A float32 weight; returns its name. */
  weight(name: string, dims: number[], values: ArrayLike<number>): string {
    const unique = this.unique(name);
    if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`ONNX graph: ${name} has ${values.length} values for dims [${dims}]`);
    this.initializers.push({ name: unique, dims, dataType: DataType.float, rawData: floatBytes(values) });
    return unique;
  }

  /** A scalar float32 constant. */
  scalar(name: string, value: number): string {
    return this.weight(name, [], [value]);
  }

  /** Adds one node with a single output, named after `name` unless `output` names it; returns the output's name. */
  node(opType: string, input: string[], name: string, attributes: Record<string, AttributeValue> = {}, output?: string): string {
    const nodeName = this.unique(name);
    const out = output ?? this.unique(`${name}_out`);
    this.nodes.push({ name: nodeName, opType, input, output: [out], attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)) });
    return out;
  }
}
