/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 7) that a model of dense tensors needs, as a
 * protobufjs descriptor, so the app writes .onnx files itself: no Python, no converter at export time. Field
 * numbers are onnx.proto's; every message keeps only the fields this writer sets or a reader checks.
 */
import protobuf from 'protobufjs/light.js';

/** onnx.proto's TensorProto.DataType values used here. */
export const DataType = { float: 1 } as const;
/** onnx.proto's AttributeProto.AttributeType values used here. */
export const AttributeType = { float: 1, int: 2, ints: 7 } as const;

const field = (id: number, type: string, rule?: 'repeated') => ({ id, type, ...(rule && { rule }) });

const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: field(1, 'int64'),
            producerName: field(2, 'string'),
            producerVersion: field(3, 'string'),
            domain: field(4, 'string'),
            modelVersion: field(5, 'int64'),
            docString: field(6, 'string'),
            graph: field(7, 'GraphProto'),
            opsetImport: field(8, 'OperatorSetIdProto', 'repeated'),
            metadataProps: field(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: field(1, 'string'), version: field(2, 'int64') } },
        StringStringEntryProto: { fields: { key: field(1, 'string'), value: field(2, 'string') } },
        GraphProto: {
          fields: {
            node: field(1, 'NodeProto', 'repeated'),
            name: field(2, 'string'),
            initializer: field(5, 'TensorProto', 'repeated'),
            docString: field(10, 'string'),
            input: field(11, 'ValueInfoProto', 'repeated'),
            output: field(12, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: field(1, 'string', 'repeated'),
            output: field(2, 'string', 'repeated'),
            name: field(3, 'string'),
            opType: field(4, 'string'),
            attribute: field(5, 'AttributeProto', 'repeated'),
            docString: field(6, 'string'),
            domain: field(7, 'string'),
          },
        },
        AttributeProto: {
          fields: {
            name: field(1, 'string'),
            f: field(2, 'float'),
            i: field(3, 'int64'),
            ints: field(8, 'int64', 'repeated'),
            type: field(20, 'int32'),
          },
        },
        TensorProto: {
          fields: {
            dims: field(1, 'int64', 'repeated'),
            dataType: field(2, 'int32'),
            name: field(8, 'string'),
            rawData: field(9, 'bytes'),
          },
        },
        ValueInfoProto: { fields: { name: field(1, 'string'), type: field(2, 'TypeProto'), docString: field(3, 'string') } },
        TypeProto: { fields: { tensorType: field(1, 'TypeProtoTensor') } },
        TypeProtoTensor: { fields: { elemType: field(1, 'int32'), shape: field(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: field(1, 'Dimension', 'repeated') } },
        Dimension: { fields: { dimValue: field(1, 'int64'), dimParam: field(2, 'string') } },
      },
    },
  },
};

const ModelProto = protobuf.Root.fromJSON(schema).lookupType('onnx.ModelProto');

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian values, as onnx.proto's raw_data holds them. */
  rawData: Uint8Array;
}

/** A dimension is a fixed size or a named one (such as the batch) that a runtime fills in. */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  docString?: string;
  elemType: number;
  shape: OnnxDim[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
  graph: {
    name: string;
    node: OnnxNode[];
    initializer: OnnxTensor[];
    input: OnnxValueInfo[];
    output: OnnxValueInfo[];
  };
}

function valueInfo({ name, docString, elemType, shape }: OnnxValueInfo) {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, docString, type: { tensorType: { elemType, shape: { dim } } } };
}

/** The model as the bytes of a .onnx file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    docString: model.docString,
    opsetImport: [{ domain: '', version: model.opsetVersion }],
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      ...model.graph,
      input: model.graph.input.map(valueInfo),
      output: model.graph.output.map(valueInfo),
    },
  });
  return ModelProto.encode(message).finish();
}

/** A .onnx file's contents as plain objects (for checks and tests), int64s as numbers. */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false });
}
