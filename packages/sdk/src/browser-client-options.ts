import { resolveClientOptions } from './config.js';
import type { ClientOptions, ResolvedClientOptions } from './config.js';

/**
 * The browser client's options: those of the Node client without `env` (a page has no process
 * environment). `trackingUri` defaults to the page's origin, since the UI is served by the server
 * it talks to.
 */
export type BrowserClientOptions = Omit<ClientOptions, 'env'>;

/**
 * Resolves like the Node client (same URL checks, defaults and token-over-basic precedence), but
 * never reads `process.env` and encodes Basic credentials with `btoa` instead of Node's Buffer.
 */
export function resolveBrowserClientOptions(opts: BrowserClientOptions, which: 'tracking' | 'registry'): ResolvedClientOptions {
  const { username, password, ...rest } = opts;
  const trackingUri = opts.trackingUri ?? pageOrigin();
  if (trackingUri === undefined) {
    throw new Error('trackingUri is required here: there is no page origin (location.origin) to default to');
  }
  const resolved = resolveClientOptions({ ...rest, trackingUri, env: {} }, which);
  if (resolved.authorization !== undefined || username === undefined || password === undefined) return resolved;
  return { ...resolved, authorization: `Basic ${base64Utf8(`${username}:${password}`)}` };
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  // A page opened from a file has the opaque origin "null", which is no server.
  return typeof origin === 'string' && /^https?:\/\//i.test(origin) ? origin : undefined;
}

/** RFC 7617 says credentials are UTF-8; btoa only takes Latin-1 code units, hence the byte detour. */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
