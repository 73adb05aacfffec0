import { describe, expect, it } from 'vitest';
import { MAX_QUOTED_INPUT_CHARS, excerpt, excerptValue } from './input-excerpt.js';

describe('excerpt', () => {
  it('keeps short text and cuts long text, saying how long it was', () => {
    expect(excerpt('abc')).toBe('abc');
    expect(excerpt('x'.repeat(MAX_QUOTED_INPUT_CHARS))).toBe('x'.repeat(MAX_QUOTED_INPUT_CHARS));
    expect(excerpt('x'.repeat(10_000_000))).toBe(`${'x'.repeat(MAX_QUOTED_INPUT_CHARS)}… (10000000 characters)`);
    expect(excerpt('abcdef', 3)).toBe('abc… (6 characters)');
  });
});

describe('excerptValue', () => {
  it.each([
    ['a string as it is', 'plain', 'plain'],
    ['a number', 5, '5'],
    ['infinity as MLflow spells it', Number.POSITIVE_INFINITY, 'Infinity'],
    ['negative infinity', Number.NEGATIVE_INFINITY, '-Infinity'],
    ['NaN', Number.NaN, 'NaN'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a list', [1, 'a', true], '[1,"a",true]'],
    ['an object', { a: { b: [1] } }, '{"a":{"b":[1]}}'],
  ] as const)('writes %s', (_what, value, shown) => {
    expect(excerptValue(value)).toBe(shown);
  });

  it('writes a value nested 100,000 levels deep without overflowing the stack, cut at the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const shown = excerptValue(deep);
    expect(shown).toBe(`${'['.repeat(MAX_QUOTED_INPUT_CHARS)}…`);
  });

  it('cuts a huge string inside a structure', () => {
    const shown = excerptValue({ name: 'y'.repeat(5_000_000) });
    expect(shown.length).toBeLessThanOrEqual(MAX_QUOTED_INPUT_CHARS + 1);
    expect(shown.startsWith('{"name":"yyy')).toBe(true);
  });
});
