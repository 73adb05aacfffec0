import type { ByteRange } from '../../../artifacts/artifact-repository.js';

const SINGLE_RANGE = /^bytes=(?:(\d{1,15})-(\d{0,15})|-(\d{1,15}))$/;

/**
 * The one byte range a `Range` header asks for (`bytes=0-99`, `bytes=100-`, `bytes=-500`), or
 * undefined to answer the whole file with 200, as RFC 9110 §14.2 allows for a header the server
 * does not take: malformed ones, other units, several ranges (`bytes=0-1,5-6`; browsers and
 * download managers ask for one), a decreasing range, and any `If-Range` (these responses carry no
 * validator that one could match, so the whole current file is the safe answer).
 */
export function parseRangeHeader(range: string | undefined, ifRange: string | undefined): ByteRange | undefined {
  if (range === undefined || ifRange !== undefined) return undefined;
  const m = SINGLE_RANGE.exec(range.trim().replace(/\s+/g, ''));
  if (!m) return undefined;
  if (m[3] !== undefined) return { suffixLength: Number(m[3]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return undefined;
  return end === undefined ? { start } : { start, end };
}
