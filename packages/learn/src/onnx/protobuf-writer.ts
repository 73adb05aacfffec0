const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Minimal protocol-buffers encoder: just the wire types ONNX's ModelProto uses. Repeated numeric
 * fields are written packed, which every protobuf parser accepts for proto2 repeated scalars.
 */
export class ProtobufWriter {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(256);
  private position = 0;

  private ensure(bytes: number): void {
    if (this.position + bytes <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.position));
    this.current = new Uint8Array(Math.max(bytes, 4096));
    this.position = 0;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.current[this.position++] = b;
  }

  private rawVarint(value: number | bigint): void {
    let v = typeof value === 'bigint' ? value : BigInt(value);
    // Negative int64 values are encoded as their 64-bit two's complement (ten bytes).
    if (v < 0n) v = BigInt.asUintN(64, v);
    if (v < 0x80n) {
      this.byte(Number(v));
      return;
    }
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private smallVarint(v: number): void {
    if (v >= 0 && v < 0x80000000) {
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
    } else {
      this.rawVarint(v);
    }
  }

  private tag(field: number, wire: number): void {
    this.smallVarint((field << 3) | wire);
  }

  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.current.set(bytes, this.position);
    this.position += bytes.length;
  }

  /** int32 / int64 / enum / bool field. */
  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`field ${field}: ${value} is not an integer`);
    this.tag(field, WIRE_VARINT);
    if (typeof value === 'number') this.smallVarint(value);
    else this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setFloat32(0, value, true);
    this.raw(buf);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.smallVarint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, write: (w: ProtobufWriter) => void): this {
    const nested = new ProtobufWriter();
    write(nested);
    return this.bytes(field, nested.finish());
  }

  packedInts(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const nested = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isSafeInteger(values[i])) throw new RangeError(`field ${field}: ${values[i]} is not an integer`);
      nested.smallVarint(values[i]);
    }
    return this.bytes(field, nested.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const buf = new Uint8Array(values.length * 4);
    const view = new DataView(buf.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, buf);
  }

  finish(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0) + this.position;
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    out.set(this.current.subarray(0, this.position), offset);
    return out;
  }
}
