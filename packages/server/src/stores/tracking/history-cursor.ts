import { InvalidParameterError } from '../../errors.js';

/** Where the previous page of a metric history ended: its last point's sort key. */
export interface HistoryCursor {
  step: number;
  timestamp: number;
  isNan: number;
  value: number;
}

export function encodeHistoryCursor(c: HistoryCursor): string {
  return Buffer.from(JSON.stringify([c.step, c.timestamp, c.isNan, String(c.value)])).toString('base64url');
}

export function decodeHistoryCursor(token: string | undefined): HistoryCursor | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    // The value is kept as text: JSON cannot carry ±Infinity, which a metric may hold.
    if (Array.isArray(parsed) && parsed.length === 4) {
      const [step, timestamp, isNan, value] = parsed as unknown[];
      const key = { step: Number(step), timestamp: Number(timestamp), isNan: Number(isNan), value: Number(value) };
      if ([key.step, key.timestamp, key.isNan].every(Number.isSafeInteger) && !Number.isNaN(key.value)) return key;
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidParameterError(`Invalid page_token '${token}': pass the next_page_token of a previous get-history response`);
}
