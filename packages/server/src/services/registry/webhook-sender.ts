import { webhookHeaders } from './webhook-signature.js';

export interface SendResult {
  /** The receiver answered below 400. */
  ok: boolean;
  statusCode: number | null;
  body: string | null;
  error: string | null;
}

/** Statuses MLflow retries on; any other answer is final. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export function isRetryable(r: SendResult): boolean {
  return r.statusCode === null || RETRYABLE.has(r.statusCode);
}

const MAX_BODY_CHARS = 10_000;

/**
 * One POST of a (signed) payload. Never throws: a refused connection, a timeout or a bad URL is
 * a failed result, so a dead receiver can never fail the caller.
 */
export async function sendWebhook(opts: {
  url: string;
  deliveryId: string;
  payload: string;
  secret: string | null;
  nowMs: number;
  timeoutMs: number;
}): Promise<SendResult> {
  try {
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: webhookHeaders({ deliveryId: opts.deliveryId, nowMs: opts.nowMs, payload: opts.payload, secret: opts.secret }),
      body: opts.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const body = (await res.text()).slice(0, MAX_BODY_CHARS);
    return { ok: res.status < 400, statusCode: res.status, body, error: res.status < 400 ? null : `HTTP ${res.status}` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, statusCode: null, body: null, error: cause ? `${message} (${cause})` : message };
  }
}
