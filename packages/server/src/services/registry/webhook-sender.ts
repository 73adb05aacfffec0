import { request as httpRequest, STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { webhookHeaders } from './webhook-signature.js';
import type { WebhookTargetPolicy } from './webhook-target.js';

export interface SendResult {
  /** The receiver answered below 400. */
  ok: boolean;
  statusCode: number | null;
  /**
   * A short reason (HTTP status, network error, refusal), never the receiver's body: whoever can
   * register a webhook could otherwise read any page the server can reach through it.
   */
  error: string | null;
  /** The target address is not allowed: retrying cannot help. */
  refused?: boolean;
}

/** Statuses MLflow retries on; any other answer is final. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export function isRetryable(r: SendResult): boolean {
  if (r.refused) return false;
  return r.statusCode === null || RETRYABLE.has(r.statusCode);
}

/**
 * Reply bytes read before the connection is closed. The body is never used; reading a little lets
 * a well-behaved receiver finish its short answer cleanly, and the cap means a huge or endless
 * reply costs one socket buffer, not memory for all of it.
 */
export const MAX_REPLY_BYTES = 4096;

/** Hands the connection exactly the addresses that were checked, so DNS is not asked twice. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      callback(Object.assign(new Error(`no checked IPv${String(family)} address`), { code: 'ENOTFOUND' }), '', 0);
    } else if (options.all) {
      callback(null, usable);
    } else {
      callback(null, usable[0]!.address, usable[0]!.family);
    }
  };
}

function failure(e: unknown): SendResult {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const text = code && !message.includes(code) ? `${message} (${code})` : message;
  return { ok: false, statusCode: null, error: text.slice(0, 300) };
}

/**
 * One POST of a (signed) payload. Never throws: a refused target, a refused connection, a timeout
 * or a bad URL is a failed result, so a dead receiver can never fail the caller. The target is
 * checked (and its addresses pinned) on every call, not only at registration: DNS can change, and
 * webhooks registered before the check existed are still in the store. Redirects are not followed
 * (a 3xx is the answer), so a receiver cannot bounce the request to an internal address.
 */
export async function sendWebhook(opts: {
  url: string;
  deliveryId: string;
  payload: string;
  secret: string | null;
  nowMs: number;
  /** For the whole exchange: DNS, connect, headers and the (capped) reply. */
  timeoutMs: number;
  targets: WebhookTargetPolicy;
}): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch (e) {
    return failure(e);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, statusCode: null, error: `refused: ${url.protocol} URLs are not called`, refused: true };
  const started = Date.now();
  const timedOut: SendResult = { ok: false, statusCode: null, error: `no complete answer within ${opts.timeoutMs} ms (timeout)` };
  let dnsTimer: NodeJS.Timeout | undefined;
  // The DNS lookup counts against the same deadline as the exchange: a resolver can hang too.
  const target = await Promise.race([
    opts.targets.check(url),
    new Promise<'timeout'>((r) => (dnsTimer = setTimeout(() => r('timeout'), opts.timeoutMs))),
  ]).finally(() => clearTimeout(dnsTimer));
  if (target === 'timeout') return timedOut;
  if (!target.ok) return { ok: false, statusCode: null, error: `refused: ${target.reason}`, refused: target.final };
  const headers = {
    ...webhookHeaders({ deliveryId: opts.deliveryId, nowMs: opts.nowMs, payload: opts.payload, secret: opts.secret }),
    'content-length': String(Buffer.byteLength(opts.payload)),
  };
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    // Once the status line is in, that is the answer, even if the rest of the reply never comes.
    let answer: SendResult | undefined;
    const settle = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
      // Whatever the receiver still sends is not read: the socket goes away now.
      req.destroy();
    };
    const answered = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status < 400;
      const result: SendResult = { ok, statusCode: status, error: ok ? null : `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}` };
      answer = result;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_REPLY_BYTES) settle(result);
      });
      res.on('end', () => settle(result));
      res.on('error', () => settle(result));
      res.on('close', () => settle(result));
    };
    // agent: false — a fresh connection per delivery, so no pooled socket outlives its check.
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers, agent: false, lookup: pinnedLookup(target.addresses) }, answered);
    const timer = setTimeout(() => settle(answer ?? timedOut), Math.max(1, opts.timeoutMs - (Date.now() - started)));
    req.on('error', (e) => settle(failure(e)));
    req.end(opts.payload);
  });
}
