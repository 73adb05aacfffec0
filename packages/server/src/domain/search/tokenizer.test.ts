import { describe, expect, it } from 'vitest';
import { TokenizeError, tokenize } from './tokenizer.js';

const shape = (text: string): Array<[string, string]> => tokenize(text).map((t) => [t.kind, t.text]);

describe('tokenize', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['metrics.acc>=0.5', [['word', 'metrics'], ['dot', '.'], ['word', 'acc'], ['op', '>='], ['number', '0.5'], ['end', '']]],
    ['a != -1e-3', [['word', 'a'], ['op', '!='], ['number', '-1e-3'], ['end', '']]],
    ['x < .5', [['word', 'x'], ['op', '<'], ['number', '.5'], ['end', '']]],
    ['metrics.5', [['word', 'metrics'], ['dot', '.'], ['number', '5'], ['end', '']]],
    ['1m', [['word', '1m'], ['end', '']]],
    ["'it''s'", [['string', "it's"], ['end', '']]],
    ['"say \\"hi\\""', [['string', 'say "hi"'], ['end', '']]],
    ["'a\\\\b'", [['string', 'a\\\\b'], ['end', '']]],
    ['`my key`', [['backtick', 'my key'], ['end', '']]],
    ["IN ('a', 'b')", [['word', 'IN'], ['lparen', '('], ['string', 'a'], ['comma', ','], ['string', 'b'], ['rparen', ')'], ['end', '']]],
    ['a<>b', [['word', 'a'], ['op', '<>'], ['word', 'b'], ['end', '']]],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(shape(text)).toEqual(expected);
  });

  it('records 0-based positions and raw slices', () => {
    const [ident, , key, op, value] = tokenize("tags.k = 'v'");
    expect(ident).toMatchObject({ start: 0, end: 4 });
    expect(key).toMatchObject({ start: 5, end: 6 });
    expect(op).toMatchObject({ start: 7, end: 8 });
    expect(value).toMatchObject({ raw: "'v'", text: 'v', quote: "'", start: 9, end: 12 });
  });

  const errors: Array<[string, RegExp]> = [
    ["'open", /^unterminated string starting at position 0; close it with '/],
    ['`open', /^unterminated backtick-quoted identifier starting at position 0/],
    ['a ; b', /^unexpected character ';' at position 2$/],
    ['metrics.a-b', /^unexpected character '-' at position 9; quote keys/],
  ];
  it.each(errors)('rejects %s', (text, message) => {
    expect(() => tokenize(text)).toThrow(TokenizeError);
    expect(() => tokenize(text)).toThrow(message);
  });
});
