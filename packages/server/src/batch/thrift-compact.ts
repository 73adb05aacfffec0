/**
 * A generic reader and writer of Thrift's compact protocol, enough to rewrite a Parquet footer:
 * structs decode to their fields in order (unknown fields included), so encoding them again
 * gives back the same bytes except for what the caller changed.
 */

export const T = { TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftField[] | ThriftList | ThriftMap;

export interface ThriftField {
  id: number;
  /** Compact type; booleans keep TRUE/FALSE here and in `value`. */
  type: number;
  value: ThriftValue;
}

export interface ThriftList {
  kind: 'list';
  elementType: number;
  /** LIST or SET. */
  collection: number;
  items: ThriftValue[];
}

export interface ThriftMap {
  kind: 'map';
  keyType: number;
  valueType: number;
  entries: Array<[ThriftValue, ThriftValue]>;
}

export class ThriftReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  readStruct(): ThriftField[] {
    const fields: ThriftField[] = [];
    let last = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === 0) return fields;
      const delta = header >> 4;
      const id = delta === 0 ? Number(zigzag(this.varint())) : last + delta;
      last = id;
      fields.push({ id, type, value: type === T.TRUE || type === T.FALSE ? type === T.TRUE : this.value(type) });
    }
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        return this.byte() === T.TRUE;
      case T.I8:
        return (this.byte() << 24) >> 24;
      case T.I16:
      case T.I32:
        return Number(zigzag(this.varint()));
      case T.I64:
        return zigzag(this.varint());
      case T.DOUBLE: {
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T.BINARY: {
        const n = Number(this.varint());
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case T.LIST:
      case T.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const elementType = header & 0x0f;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.value(elementType));
        return { kind: 'list', elementType, collection: type, items };
      }
      case T.MAP: {
        const size = Number(this.varint());
        const types = size > 0 ? this.byte() : 0;
        const entries: Array<[ThriftValue, ThriftValue]> = [];
        for (let i = 0; i < size; i++) entries.push([this.value(types >> 4), this.value(types & 0x0f)]);
        return { kind: 'map', keyType: types >> 4, valueType: types & 0x0f, entries };
      }
      case T.STRUCT:
        return this.readStruct();
      default:
        throw new Error(`unsupported Thrift compact type ${type} at byte ${this.pos}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('truncated Thrift data');
    return this.buf[this.pos++]!;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
}

export class ThriftWriter {
  private chunks: number[] = [];

  writeStruct(fields: readonly ThriftField[]): this {
    let last = 0;
    for (const f of fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.chunks.push((delta << 4) | type);
      else {
        this.chunks.push(type);
        this.varint(unzigzag(BigInt(f.id)));
      }
      last = f.id;
      if (type !== T.TRUE && type !== T.FALSE) this.value(type, f.value);
    }
    this.chunks.push(0);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }

  private value(type: number, v: ThriftValue): void {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        this.chunks.push(v ? T.TRUE : T.FALSE);
        return;
      case T.I8:
        this.chunks.push((v as number) & 0xff);
        return;
      case T.I16:
      case T.I32:
        this.varint(unzigzag(BigInt(v as number)));
        return;
      case T.I64:
        this.varint(unzigzag(v as bigint));
        return;
      case T.DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v as number, true);
        this.chunks.push(...b);
        return;
      }
      case T.BINARY: {
        const b = v as Uint8Array;
        this.varint(BigInt(b.length));
        for (const x of b) this.chunks.push(x);
        return;
      }
      case T.LIST:
      case T.SET: {
        const l = v as ThriftList;
        if (l.items.length < 15) this.chunks.push((l.items.length << 4) | l.elementType);
        else {
          this.chunks.push(0xf0 | l.elementType);
          this.varint(BigInt(l.items.length));
        }
        for (const item of l.items) this.value(l.elementType, item);
        return;
      }
      case T.MAP: {
        const m = v as ThriftMap;
        this.varint(BigInt(m.entries.length));
        if (m.entries.length > 0) this.chunks.push((m.keyType << 4) | m.valueType);
        for (const [k, val] of m.entries) {
          this.value(m.keyType, k);
          this.value(m.valueType, val);
        }
        return;
      }
      case T.STRUCT:
        this.writeStruct(v as ThriftField[]);
        return;
      default:
        throw new Error(`unsupported Thrift compact type ${type}`);
    }
  }

  private varint(n: bigint): void {
    let x = n;
    while (x >= 0x80n) {
      this.chunks.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.chunks.push(Number(x));
  }
}

function zigzag(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

function unzigzag(n: bigint): bigint {
  return n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
}
