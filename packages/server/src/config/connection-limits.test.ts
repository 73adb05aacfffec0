import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from './config.js';
import { DEFAULT_CONNECTION_LIMITS, parseConnectionLimits } from './connection-limits.js';

describe('connection limit settings', () => {
  it('default to 30 s headers, 65 s keep-alive, 60 s body idle, 300 s request, a derived cap', () => {
    expect(parseConnectionLimits({})).toEqual({ headersTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, bodyIdleTimeoutMs: 60_000, requestTimeoutMs: 300_000, maxConnections: 0 });
  });

  it('come from MODELYARD_* variables, and flags win over them', () => {
    const env = configFromEnv({ MODELYARD_HEADERS_TIMEOUT_MS: '5000', MODELYARD_MAX_CONNECTIONS: '200', MODELYARD_BODY_IDLE_TIMEOUT_MS: '7000' });
    const config = resolveConfig([env, { bodyIdleTimeoutMs: '9000' }], '/tmp');
    expect(config).toMatchObject({ headersTimeoutMs: 5000, maxConnections: 200, bodyIdleTimeoutMs: 9000, keepAliveTimeoutMs: DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs });
  });

  it.each([
    ['headersTimeoutMs', '0', /headersTimeoutMs must be a whole number of milliseconds/],
    ['keepAliveTimeoutMs', 'soon', /keepAliveTimeoutMs must be a whole number of milliseconds/],
    ['bodyIdleTimeoutMs', '1.5', /bodyIdleTimeoutMs must be a whole number of milliseconds/],
    ['requestTimeoutMs', '99999999999', /requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647/],
    ['maxConnections', '-1', /maxConnections must be a whole number of connections, or 0/],
  ])('refuse %s = %s, naming the setting', (key, value, message) => {
    expect(() => parseConnectionLimits({ [key]: value })).toThrow(message);
  });
});
