import { describe, expect, it } from 'vitest';
import { parseRangeHeader } from './byte-range-header.js';

describe('parseRangeHeader', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100 }],
    ['bytes=-500', { suffixLength: 500 }],
    [' bytes = 5 - 9 ', { start: 5, end: 9 }],
  ])('takes %s', (header, range) => {
    expect(parseRangeHeader(header, undefined)).toEqual(range);
  });

  it.each([undefined, 'bytes=0-1,5-6', 'items=0-9', 'bytes=9-5', 'bytes=-', 'bytes=a-b', 'bytes=0x10-', 'bytes=1e3-'])(
    'answers the whole file for %s',
    (header) => {
      expect(parseRangeHeader(header, undefined)).toBeUndefined();
    },
  );

  it('answers the whole file whenever If-Range is sent (no validator to match)', () => {
    expect(parseRangeHeader('bytes=0-9', '"abc"')).toBeUndefined();
  });
});
