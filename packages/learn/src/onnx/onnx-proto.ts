import { ProtobufWriter } from './protobuf-writer.js';

/** TensorProto.DataType values used here. */
export const ElementType = { FLOAT: 1, INT64: 7, STRING: 8, DOUBLE: 11 } as const;
export type ElementType = (typeof ElementType)[keyof typeof ElementType];

export type AttributeValue =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'floats'; readonly value: ArrayLike<number> }
  | { readonly kind: 'ints'; readonly value: ArrayLike<number> }
  | { readonly kind: 'strings'; readonly value: readonly string[] };

export const attr = {
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  floats: (value: ArrayLike<number>): AttributeValue => ({ kind: 'floats', value }),
  ints: (value: ArrayLike<number>): AttributeValue => ({ kind: 'ints', value }),
  strings: (value: readonly string[]): AttributeValue => ({ kind: 'strings', value }),
};

export interface NodeData {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface TensorData {
  readonly name: string;
  readonly elementType: ElementType;
  readonly dims: readonly number[];
  readonly floats?: ArrayLike<number>;
  readonly int64s?: ArrayLike<number>;
  readonly strings?: readonly string[];
}

export interface ValueInfoData {
  readonly name: string;
  readonly elementType: ElementType;
  /** A number is a fixed size, a string a symbolic one (e.g. 'N' for the batch). */
  readonly shape: readonly (number | string)[];
}

export interface GraphData {
  readonly name: string;
  readonly nodes: readonly NodeData[];
  readonly initializers: readonly TensorData[];
  readonly inputs: readonly ValueInfoData[];
  readonly outputs: readonly ValueInfoData[];
  /** Types of intermediate tensors (GraphProto.value_info). */
  readonly valueInfo?: readonly ValueInfoData[];
}

export interface ModelData {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString?: string;
  readonly graph: GraphData;
  readonly metadata: Readonly<Record<string, string>>;
}

// Field numbers and enum values below are those of onnx/onnx.proto.
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const utf8 = new TextEncoder();

function writeAttribute(w: ProtobufWriter, name: string, a: AttributeValue): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value).int(20, AttributeType.FLOAT);
      break;
    case 'int':
      w.int(3, a.value).int(20, AttributeType.INT);
      break;
    case 'string':
      w.bytes(4, utf8.encode(a.value)).int(20, AttributeType.STRING);
      break;
    case 'floats':
      w.packedFloats(7, a.value).int(20, AttributeType.FLOATS);
      break;
    case 'ints':
      w.packedInts(8, a.value).int(20, AttributeType.INTS);
      break;
    case 'strings':
      for (const s of a.value) w.bytes(9, utf8.encode(s));
      w.int(20, AttributeType.STRINGS);
      break;
  }
}

function writeNode(w: ProtobufWriter, node: NodeData): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes)) w.message(5, (a) => writeAttribute(a, name, value));
  if (node.domain) w.string(7, node.domain);
}

function writeTensor(w: ProtobufWriter, t: TensorData): void {
  w.packedInts(1, t.dims).int(2, t.elementType);
  if (t.floats) w.packedFloats(4, t.floats);
  if (t.strings) for (const s of t.strings) w.bytes(6, utf8.encode(s));
  if (t.int64s) w.packedInts(7, t.int64s);
  w.string(8, t.name);
}

function writeValueInfo(w: ProtobufWriter, v: ValueInfoData): void {
  w.string(1, v.name);
  // TypeProto.tensor_type { elem_type, shape { dim { dim_value | dim_param } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elementType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeGraph(w: ProtobufWriter, g: GraphData): void {
  for (const node of g.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (tw) => writeTensor(tw, t));
  for (const v of g.inputs) w.message(11, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.message(12, (vw) => writeValueInfo(vw, v));
  for (const v of g.valueInfo ?? []) w.message(13, (vw) => writeValueInfo(vw, v));
}

/** Serialises an ONNX ModelProto. */
export function encodeModel(model: ModelData): Uint8Array {
  const w = new ProtobufWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName).string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsets) {
    w.message(8, (o) => {
      if (opset.domain) o.string(1, opset.domain);
      o.int(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata)) w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}
