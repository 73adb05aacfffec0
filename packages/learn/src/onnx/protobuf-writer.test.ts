import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from './protobuf-writer.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtobufWriter', () => {
  it('encodes varints, negative int64s, floats and strings in wire format', () => {
    expect(hex(new ProtobufWriter().int(1, 150).finish())).toBe('089601');
    expect(hex(new ProtobufWriter().int(2, -1).finish())).toBe('10ffffffffffffffffff01');
    expect(hex(new ProtobufWriter().float(2, 1).finish())).toBe('150000803f');
    expect(hex(new ProtobufWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
  });

  it('encodes nested messages and packed repeated fields with their lengths', () => {
    expect(hex(new ProtobufWriter().message(3, (w) => w.int(1, 150)).finish())).toBe('1a03089601');
    expect(hex(new ProtobufWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
    expect(hex(new ProtobufWriter().packedFloats(7, [1, -2]).finish())).toBe('3a080000803f000000c0');
  });

  it('grows past its first buffer without losing bytes', () => {
    const w = new ProtobufWriter();
    for (let i = 0; i < 5000; i++) w.int(1, i);
    const bytes = w.finish();
    let count = 0;
    for (let p = 0; p < bytes.length; ) {
      expect(bytes[p]).toBe(0x08);
      p++;
      while (bytes[p] & 0x80) p++;
      p++;
      count++;
    }
    expect(count).toBe(5000);
  });
});
