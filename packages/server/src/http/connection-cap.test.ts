import { describe, expect, it } from 'vitest';
import { FALLBACK_MAX_CONNECTIONS, connectionCap, openFileLimit } from './connection-cap.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('openFileLimit', () => {
  it('reads the soft limit from /proc/self/limits', () => {
    expect(openFileLimit(() => LIMITS)).toBe(1024);
  });

  it('is undefined where the file cannot be read or has no such line', () => {
    expect(
      openFileLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
    expect(openFileLimit(() => 'Limit Soft Hard\n')).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('reads this process’s limit on Linux', () => {
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});

describe('connectionCap', () => {
  it.each([
    // [setting, open-file limit, cap]
    [500, 1024, 500],
    [0, 1024, 768],
    [0, 65_536, 49_152],
    [0, 256, 128],
    [0, 160, 80],
    [0, 1, 1],
    [0, undefined, FALLBACK_MAX_CONNECTIONS],
  ] as const)('setting %s with %s descriptors allows %s connections', (setting, limit, cap) => {
    expect(connectionCap(setting, limit)).toBe(cap);
  });
});
