import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { decodeBoundPageToken, decodePageToken, encodeBoundPageToken, encodePageToken } from './page-token.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('page tokens', () => {
  it('round-trips offsets in MLflow’s format', () => {
    for (const offset of [0, 1, 1000, 49_999]) expect(decodePageToken(encodePageToken(offset))).toBe(offset);
    expect(Buffer.from(encodePageToken(20), 'base64').toString('utf8')).toBe('{"offset":20}');
  });

  it('reads no token as offset 0, and tokens written by MLflow itself', () => {
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken(null)).toBe(0);
    expect(decodePageToken('')).toBe(0);
    expect(decodePageToken(b64('{"offset": 7}'))).toBe(7);
    expect(decodePageToken(b64('{"offset": "40"}'))).toBe(40);
  });

  const bad: Array<[string, RegExp]> = [
    ['not base64!', /it is not base64/],
    ['a', /it is not base64/],
    [b64('hello'), /does not decode to JSON/],
    [b64('{"offset": -1}'), /carries no valid offset/],
    [b64('{"offset": 1.5}'), /carries no valid offset/],
    [b64('{"start": 3}'), /carries no valid offset/],
    [b64('[1]'), /carries no valid offset/],
  ];
  it.each(bad)('rejects %s', (token, message) => {
    expect(() => decodePageToken(token)).toThrow(InvalidParameterError);
    expect(() => decodePageToken(token)).toThrow(message);
  });

  it('refuses to encode a negative or fractional offset', () => {
    expect(() => encodePageToken(-1)).toThrow();
    expect(() => encodePageToken(0.5)).toThrow();
  });
});

describe('bound page tokens', () => {
  const binding = { experiment_ids: ['1', '2'], filter_string: 'metrics.a > 1', order_by: null };

  it('round-trip when the request is the same', () => {
    const token = encodeBoundPageToken(30, binding);
    expect(decodeBoundPageToken(token, { ...binding })).toBe(30);
    expect(decodeBoundPageToken(undefined, binding)).toBe(0);
    // Still readable as a plain token.
    expect(decodePageToken(token)).toBe(30);
  });

  it('reject a token from another query, naming the field that differs', () => {
    const token = encodeBoundPageToken(30, binding);
    expect(() => decodeBoundPageToken(token, { ...binding, experiment_ids: ['1'] })).toThrow(
      /^Invalid page token: its experiment_ids \["1","2"\] does not match the request's \["1"\]/,
    );
    expect(() => decodeBoundPageToken(token, { ...binding, filter_string: null })).toThrow(/its filter_string "metrics.a > 1"/);
    expect(() => decodeBoundPageToken(encodePageToken(5), binding)).toThrow(/its experiment_ids null/);
  });
});
