import { InvalidParameterError } from '../errors.js';

/**
 * How long a client may hold a connection without making progress, and how many it may hold.
 * Without these a client that opens connections and stops sending keeps them (and their file
 * descriptors) forever: enough of them and every other client is refused.
 */
export interface ConnectionLimitSettings {
  /** A request's headers (and a new connection's first request) must arrive within this many ms. Default 30 000. */
  headersTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this many ms. Default 65 000: above the 60 s
   * idle timeout of common proxies and load balancers, so they close first and never send a
   * request onto a connection the server is closing.
   */
  keepAliveTimeoutMs: number;
  /**
   * Longest pause while a request body arrives or a response is sent: no byte moving for this
   * many ms closes the connection. It is per pause, not a total, so a large upload on a slow but
   * steady link succeeds. Default 60 000.
   */
  bodyIdleTimeoutMs: number;
  /**
   * The whole body of a request must arrive within this many ms, except streamed artifact uploads
   * (which only have `bodyIdleTimeoutMs`). Default 300 000 (Node's own default): a 32 MiB JSON body
   * at 1 Mbit/s fits.
   */
  requestTimeoutMs: number;
  /**
   * Most client connections held at once; 0 (default) derives it from the process's open-file
   * limit, keeping a quarter of it (at least 128) for files, the database and child processes.
   */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimitSettings = {
  headersTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  bodyIdleTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  maxConnections: 0,
};

export const CONNECTION_LIMIT_KEYS = Object.keys(DEFAULT_CONNECTION_LIMITS) as Array<keyof ConnectionLimitSettings>;

/** Node's timers take at most 2^31-1 ms; a larger value would silently fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The settings from merged config layers (strings from env and flags, numbers from YAML), validated. */
export function parseConnectionLimits(merged: Partial<Record<keyof ConnectionLimitSettings, unknown>>): ConnectionLimitSettings {
  const out = { ...DEFAULT_CONNECTION_LIMITS };
  for (const key of CONNECTION_LIMIT_KEYS) {
    const raw = merged[key];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (key === 'maxConnections') {
      if (!Number.isInteger(n) || n < 0) {
        throw new InvalidParameterError(`maxConnections must be a whole number of connections, or 0 to derive it from the open-file limit, got '${String(raw)}'`);
      }
    } else if (!Number.isInteger(n) || n <= 0 || n > MAX_TIMEOUT_MS) {
      throw new InvalidParameterError(`${key} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got '${String(raw)}'`);
    }
    out[key] = n;
  }
  return out;
}
