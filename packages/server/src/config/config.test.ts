import { describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from './config.js';

describe('busy polling setting', () => {
  it('defaults to 500 µs and is taken from the environment and flags', () => {
    expect(resolveConfig([{}]).busyPollMicros).toBe(500);
    expect(loadConfig({ env: { MODELYARD_BUSY_POLL_MICROS: '0' } }).busyPollMicros).toBe(0);
    expect(loadConfig({ env: { MODELYARD_BUSY_POLL_MICROS: '0' }, flags: { busyPollMicros: '2000' } }).busyPollMicros).toBe(2000);
  });

  it('refuses what is not a whole number of microseconds in range, naming the setting', () => {
    for (const bad of ['-1', '1.5', 'fast', '2000000']) {
      expect(() => resolveConfig([{ busyPollMicros: bad }])).toThrow(`busyPollMicros must be a whole number of microseconds from 0 (off) to 1000000, got '${bad}'`);
    }
  });
});

describe('webhook allow list setting', () => {
  it('is empty by default and read from the environment, flags and a YAML list', () => {
    expect(resolveConfig([{}]).webhookAllowHosts).toEqual([]);
    expect(loadConfig({ env: { MODELYARD_WEBHOOK_ALLOW_HOSTS: 'hooks.internal, 10.0.0.0/8' } }).webhookAllowHosts).toEqual(['hooks.internal', '10.0.0.0/8']);
    expect(loadConfig({ env: { MODELYARD_WEBHOOK_ALLOW_HOSTS: 'a.internal' }, flags: { webhookAllowHosts: '127.0.0.1' } }).webhookAllowHosts).toEqual(['127.0.0.1']);
    expect(resolveConfig([{ webhookAllowHosts: ['localhost', '::1'] }]).webhookAllowHosts).toEqual(['localhost', '::1']);
  });

  it('refuses an entry that is not a host name, address or range, naming the setting', () => {
    expect(() => resolveConfig([{ webhookAllowHosts: 'ok.internal,http://x/' }])).toThrow("webhookAllowHosts: 'http://x/' is not a host name, IP address or CIDR range");
  });
});

describe('statement timeout setting', () => {
  it('defaults to 30 s and is taken from the environment, flags and a file layer', () => {
    expect(resolveConfig([{}]).statementTimeoutMs).toBe(30_000);
    expect(loadConfig({ env: { MODELYARD_STATEMENT_TIMEOUT_MS: '0' } }).statementTimeoutMs).toBe(0);
    expect(loadConfig({ env: { MODELYARD_STATEMENT_TIMEOUT_MS: '0' }, flags: { statementTimeoutMs: '5000' } }).statementTimeoutMs).toBe(5000);
    expect(resolveConfig([{ statementTimeoutMs: 12_000 }]).statementTimeoutMs).toBe(12_000);
  });

  it('refuses what is not a whole number of milliseconds, naming the setting', () => {
    for (const bad of ['-1', '2.5', 'soon', '3000000000']) {
      expect(() => resolveConfig([{ statementTimeoutMs: bad }])).toThrow(`statementTimeoutMs must be a whole number of milliseconds from 0 (no limit) to 2147483647, got '${bad}'`);
    }
  });
});
