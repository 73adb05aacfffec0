import { describe, expect, it } from 'vitest';
import { describeInputRows } from './input-rows.js';

const flags = (s: string) => Uint8Array.from(s, (c) => (c === 'x' ? 1 : 0));

describe('describeInputRows', () => {
  it.each([
    { name: 'a whole batch of the first rows', rejected: ['....'], start: 0, first: 0, count: 4, want: 'input rows 1–4' },
    { name: 'a later batch', rejected: ['....'], start: 4096, first: 0, count: 4, want: 'input rows 4097–4100' },
    { name: 'rejected rows skipped', rejected: ['..x.', '.x..'], start: 0, first: 0, count: 6, want: 'input rows 1–2, 4–5, 7–8' },
    { name: 'a piece of a split batch', rejected: ['..x.', '....'], start: 10, first: 2, count: 3, want: 'input rows 14–16' },
    { name: 'one row', rejected: ['x.x'], start: 0, first: 0, count: 1, want: 'input row 2' },
    { name: 'many gaps', rejected: ['.x'.repeat(12)], start: 0, first: 0, count: 12, want: 'input rows 1, 3, 5, 7, 9, 11, 13, 15, and 4 more ranges up to 23' },
  ])('$name', ({ rejected, start, first, count, want }) => {
    expect(describeInputRows(rejected.map(flags), start, first, count)).toBe(want);
  });
});
