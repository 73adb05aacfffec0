import { resolveClientOptions } from './config.js';
import type { ClientOptions, ResolvedClientOptions } from './config.js';

/**
 * The browser client's options: those of the Node client without `env` (a page has no process
 * environment). `trackingUri` defaults to the page's origin, since the UI is served by the server
 * it talks to.
 */
export type BrowserClientOptions = Omit<ClientOptions, 'env'>;

/** Resolves as the Node client does (same URL checks, defaults, token-over-basic precedence), never reading an environment. */
export function resolveBrowserClientOptions(opts: BrowserClientOptions, which: 'tracking' | 'registry'): ResolvedClientOptions {
  const trackingUri = opts.trackingUri ?? pageOrigin();
  if (trackingUri === undefined) {
    throw new Error('trackingUri is required here: there is no page origin (location.origin) to default to');
  }
  return resolveClientOptions({ ...opts, trackingUri, env: {} }, which);
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  // A page opened from a file has the opaque origin "null", which is no server.
  return typeof origin === 'string' && /^https?:\/\//i.test(origin) ? origin : undefined;
}
