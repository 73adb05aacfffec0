import { InvalidParameterError } from '../../errors.js';

/**
 * Page tokens are MLflow's: base64 of `{"offset": N}`, the number of results already returned.
 * Opaque to clients and bound to nothing else (like MLflow's run and experiment searches), so a
 * token is only meaningful with the same filter and order it came from.
 */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`page offset must be a non-negative integer, got ${offset}`);
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** The offset a page token carries; 0 when there is no token. */
export function decodePageToken(token: string | undefined | null): number {
  if (token === undefined || token === null || token === '') return 0;
  const shown = token.length > 80 ? `${token.slice(0, 80)}…` : token;
  const compact = token.trim();
  if (!BASE64_RE.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new InvalidParameterError(`Invalid page token '${shown}': it is not base64; pass back the next_page_token of a previous response unchanged`);
  }
  // Node's base64 decoder also accepts the URL-safe alphabet.
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw new InvalidParameterError(`Invalid page token '${shown}': it does not decode to JSON; pass back the next_page_token of a previous response unchanged`);
  }
  const raw = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).offset : undefined;
  // MLflow writes the offset as a number and reads it back with int(), so "20" is accepted too.
  const offset = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidParameterError(`Invalid page token '${shown}': it carries no valid offset; pass back the next_page_token of a previous response unchanged`);
  }
  return offset;
}
