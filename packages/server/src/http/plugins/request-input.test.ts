import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { MAX_JSON_DEPTH, checkInput, parseJsonBody } from './request-input.js';

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return { code: e.errorCode, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const body = (text: string | Buffer) => parseJsonBody(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

describe('parseJsonBody', () => {
  it('parses ordinary bodies, a byte-order mark included, and 1e400 as Infinity', () => {
    expect(body('{"name":"x","tags":[{"key":"k","value":"v"}]}')).toEqual({ name: 'x', tags: [{ key: 'k', value: 'v' }] });
    expect(body('\uFEFF{"a":1}')).toEqual({ a: 1 });
    expect(body('{"value":1e400}')).toEqual({ value: Number.POSITIVE_INFINITY });
    expect(body('{"text":"caf\\u00e9 \\ud83d\\ude00","constructor":"fine"}')).toEqual({ text: 'café 😀', constructor: 'fine' });
    expect(body(`{"deep":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`)).toBeDefined();
  });

  it.each([
    ['an empty body', '', 'MALFORMED_REQUEST', 'empty'],
    ['invalid JSON', '{"name": ', 'MALFORMED_REQUEST', 'not valid JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'MALFORMED_REQUEST', 'UTF-8'],
    ['a NUL in a value', '{"tags":[{"key":"k","value":"a\\u0000"}]}', 'INVALID_PARAMETER_VALUE', "'tags[0].value'"],
    ['a NUL in a key', '{"job_parameters":{"p\\u0000":"v"}}', 'INVALID_PARAMETER_VALUE', 'job_parameters'],
    ['a NUL in a top-level string', '"a\\u0000"', 'INVALID_PARAMETER_VALUE', 'NUL'],
    ['a lone surrogate', '{"name":"\\ud800"}', 'INVALID_PARAMETER_VALUE', 'surrogate'],
    ['a __proto__ key', '{"a":{"__proto__":{"x":1}}}', 'INVALID_PARAMETER_VALUE', "'__proto__'"],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{}}', 'INVALID_PARAMETER_VALUE', "'__proto__'"],
    ['constructor.prototype', '{"constructor":{"prototype":{}}}', 'INVALID_PARAMETER_VALUE', 'constructor.prototype'],
    ['nesting too deep', `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'INVALID_PARAMETER_VALUE', `more than ${MAX_JSON_DEPTH} levels`],
  ] as const)('refuses %s', (_what, text, code, mentions) => {
    const r = refusal(() => body(text));
    expect(r.code).toBe(code);
    expect(r.message).toContain(mentions);
    expect(r.message.length).toBeLessThan(600);
  });
});

describe('checkInput on query strings', () => {
  it('names the parameter holding a NUL, and lets ordinary queries through', () => {
    expect(() => checkInput({ experiment_ids: ['1', '2'], filter: "name = 'x'" }, 'query')).not.toThrow();
    expect(refusal(() => checkInput({ experiment_name: 'a\u0000b' }, 'query')).message).toContain("'experiment_name'");
    expect(refusal(() => checkInput({ experiment_ids: ['1', '\u0000'] }, 'query')).message).toContain("'experiment_ids[1]'");
  });
});
