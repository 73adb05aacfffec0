/**
 * A tiny protobuf reader for the tests: decodes one message level into (field, value) pairs so a
 * test can look at ModelProto fields that onnxruntime-node does not expose (opsets, metadata).
 */
export type ProtoValue = bigint | Uint8Array | number;

export function readFields(bytes: Uint8Array): { field: number; value: ProtoValue }[] {
  const out: { field: number; value: ProtoValue }[] = [];
  let p = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[p++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (p < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ field, value: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      out.push({ field, value: bytes.subarray(p, p + length) });
      p += length;
    } else if (wire === 5) {
      out.push({ field, value: new DataView(bytes.buffer, bytes.byteOffset + p, 4).getFloat32(0, true) });
      p += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

export const text = (v: ProtoValue) => new TextDecoder().decode(v as Uint8Array);

/** ir_version, opset imports and metadata_props of a serialised ModelProto. */
export function modelHeader(bytes: Uint8Array) {
  const fields = readFields(bytes);
  const irVersion = Number(fields.find((f) => f.field === 1)!.value);
  const opsets: Record<string, number> = {};
  const metadata: Record<string, string> = {};
  for (const { field, value } of fields) {
    if (field === 8) {
      const inner = readFields(value as Uint8Array);
      const domain = inner.find((f) => f.field === 1);
      opsets[domain ? text(domain.value) : ''] = Number(inner.find((f) => f.field === 2)!.value);
    }
    if (field === 14) {
      const inner = readFields(value as Uint8Array);
      metadata[text(inner.find((f) => f.field === 1)!.value)] = text(inner.find((f) => f.field === 2)!.value);
    }
  }
  return { irVersion, opsets, metadata };
}

/** op_type (with domain) of every node of the graph. */
export function nodeOpTypes(bytes: Uint8Array): string[] {
  const graph = readFields(bytes).find((f) => f.field === 7)!.value as Uint8Array;
  return readFields(graph)
    .filter((f) => f.field === 1)
    .map(({ value }) => {
      const node = readFields(value as Uint8Array);
      const op = text(node.find((f) => f.field === 4)!.value);
      const domain = node.find((f) => f.field === 7);
      return domain ? `${text(domain.value)}.${op}` : op;
    });
}
