import { describe, expect, it } from 'vitest';
import { checkNetworkExposure, isLoopbackHost } from './network-exposure.js';

describe('listening beyond this machine without authentication', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(checkNetworkExposure({ host, allowUnauthenticated: false })).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'my-host.example.com', '::ffff:10.0.0.1'])('%s is refused unless allowed, and warned about when allowed', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
    expect(() => checkNetworkExposure({ host, allowUnauthenticated: false })).toThrow(/no authentication.*--allow-unauthenticated/);
    expect(checkNetworkExposure({ host, allowUnauthenticated: true })).toMatch(/no authentication/);
  });
});
