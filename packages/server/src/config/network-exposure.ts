import { isIP } from 'node:net';
import { InvalidParameterError } from '../errors.js';

/** Whether `host` is an address only this machine can reach (loopback). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses to listen beyond this machine while the server has no authentication: anyone who
 * reaches the port could read and change every experiment and model, and deploy and run jobs,
 * whose commands run as the server's user. `allowUnauthenticated` (an authenticating proxy in
 * front, a private network the operator trusts) lets it through; the returned warning is logged.
 */
export function checkNetworkExposure(config: { host: string; allowUnauthenticated: boolean }): string | undefined {
  if (isLoopbackHost(config.host)) return undefined;
  const what =
    `listening on ${config.host} lets anyone who reaches the port read and change every experiment and model, ` +
    'and deploy and run jobs whose commands run as the server\'s user: the server has no authentication';
  if (!config.allowUnauthenticated) {
    throw new InvalidParameterError(
      `${what}. Listen on 127.0.0.1 (the default), or put an authenticating proxy in front and pass --allow-unauthenticated (env MODELYARD_ALLOW_UNAUTHENTICATED=true)`,
    );
  }
  return `${what} (--allow-unauthenticated)`;
}
