import { InvalidParameterError } from '../../errors.js';

/**
 * Page tokens are MLflow's: base64 of `{"offset": N}`, the number of results already returned.
 * Opaque to clients. Run, experiment and registry tokens are bound to nothing else (as in MLflow),
 * so such a token is only meaningful with the same filter and order it came from; logged-model
 * tokens also carry the query (see encodeBoundPageToken), as MLflow 3's do.
 */
export function encodePageToken(offset: number): string {
  return encodeBoundPageToken(offset, {});
}

/** The offset a page token carries; 0 when there is no token. */
export function decodePageToken(token: string | undefined | null): number {
  if (token === undefined || token === null || token === '') return 0;
  return offsetOf(decodeJson(token), token);
}

/**
 * A token that also records the request it answers (`{experiment_ids, filter_string, order_by,
 * offset}` for SearchLoggedModels), so that passing it with a different query is an error instead
 * of a silently wrong page.
 */
export function encodeBoundPageToken(offset: number, binding: Readonly<Record<string, unknown>>): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`page offset must be a non-negative integer, got ${offset}`);
  return Buffer.from(JSON.stringify({ ...binding, offset }), 'utf8').toString('base64');
}

/** The offset of a bound token, after checking that each bound field equals the request's. */
export function decodeBoundPageToken(token: string | undefined | null, binding: Readonly<Record<string, unknown>>): number {
  if (token === undefined || token === null || token === '') return 0;
  const parsed = decodeJson(token);
  const offset = offsetOf(parsed, token);
  const fields = parsed as Record<string, unknown>;
  for (const [field, expected] of Object.entries(binding)) {
    const found = fields[field] ?? null;
    if (JSON.stringify(found) !== JSON.stringify(expected ?? null)) {
      throw new InvalidParameterError(
        `Invalid page token: its ${field} ${JSON.stringify(found)} does not match the request's ${JSON.stringify(expected ?? null)}; ` +
          'a page token only continues the search that returned it, so repeat that search unchanged or drop the token',
      );
    }
  }
  return offset;
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function shown(token: string): string {
  return token.length > 80 ? `${token.slice(0, 80)}…` : token;
}

function decodeJson(token: string): unknown {
  const compact = token.trim();
  if (!BASE64_RE.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new InvalidParameterError(`Invalid page token '${shown(token)}': it is not base64; pass back the next_page_token of a previous response unchanged`);
  }
  // Node's base64 decoder also accepts the URL-safe alphabet.
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  try {
    return JSON.parse(decoded);
  } catch {
    throw new InvalidParameterError(`Invalid page token '${shown(token)}': it does not decode to JSON; pass back the next_page_token of a previous response unchanged`);
  }
}

function offsetOf(parsed: unknown, token: string): number {
  const raw = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).offset : undefined;
  // MLflow writes the offset as a number and reads it back with int(), so "20" is accepted too.
  const offset = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidParameterError(`Invalid page token '${shown(token)}': it carries no valid offset; pass back the next_page_token of a previous response unchanged`);
  }
  return offset;
}
