import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { normalizeArtifactPath, parseArtifactPath } from './artifact-path.js';

function refusal(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.errorCode, message: e.message };
  }
}

describe('parseArtifactPath', () => {
  it.each([
    ['model/MLmodel', 'model/MLmodel'],
    ['', ''],
    ['.', ''],
    ['a/./b//c/', 'a/b/c'],
    ['a%2Fb', 'a/b'],
    ['a%2520b.txt', 'a b.txt'],
    ['100%.txt', '100%.txt'],
    ['x..y/..z', 'x..y/..z'],
    ['run:1.txt', 'run:1.txt'],
    ['ünïcode/файл.bin', 'ünïcode/файл.bin'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(parseArtifactPath(raw)).toBe(expected);
  });

  it.each([
    ['../secret', "'..' segments"],
    ['a/../../secret', "'..' segments"],
    ['..', "'..' segments"],
    ['%2e%2e/secret', "'..' segments"],
    ['%252e%252e%252fsecret', "'..' segments"],
    ['..%2fsecret', "'..' segments"],
    ['/etc/passwd', 'not an absolute one'],
    ['%2Fetc/passwd', 'not an absolute one'],
    ['C:/Windows/win.ini', 'drive or file URI'],
    ['file:///etc/passwd', 'drive or file URI'],
    ['a\\..\\..\\secret', "'\\' is not allowed"],
    ['a%5C..%5Csecret', "'\\' is not allowed"],
    ['a\u0000.txt', 'NUL'],
    ['a%00.txt', 'NUL'],
    ['a%0d%0aSet-Cookie: x', 'control characters'],
    ['a#b', "'#' is not allowed"],
  ])('refuses %j with INVALID_PARAMETER_VALUE', (raw, reason) => {
    const r = refusal(() => parseArtifactPath(raw));
    expect(r?.code).toBe('INVALID_PARAMETER_VALUE');
    expect(r?.message).toMatch(/^Invalid path .* for parameter 'path': /);
    expect(r?.message).toContain(reason);
  });

  it('names the field it was given', () => {
    expect(refusal(() => parseArtifactPath('../x', 'artifact_uri'))?.message).toContain("parameter 'artifact_uri'");
  });
});

describe('normalizeArtifactPath', () => {
  it('does not decode, so checking twice gives the same path', () => {
    const once = parseArtifactPath('a%2525b');
    expect(once).toBe('a%b');
    expect(normalizeArtifactPath(once)).toBe(once);
    expect(normalizeArtifactPath('%2e%2e/x')).toBe('%2e%2e/x');
  });
});
