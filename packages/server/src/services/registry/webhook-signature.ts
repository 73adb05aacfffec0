import { createHmac } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  signature: 'X-MLflow-Signature',
  timestamp: 'X-MLflow-Timestamp',
  deliveryId: 'X-MLflow-Delivery-Id',
} as const;

/** MLflow's (Standard Webhooks') signature: `v1,` + base64 HMAC-SHA256 of `id.timestamp.payload`. */
export function signWebhook(secret: string, deliveryId: string, unixSeconds: string, payload: string): string {
  const mac = createHmac('sha256', secret).update(`${deliveryId}.${unixSeconds}.${payload}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery attempt; signed only when the webhook has a secret, as MLflow does. */
export function webhookHeaders(opts: { deliveryId: string; nowMs: number; payload: string; secret: string | null }): Record<string, string> {
  const unixSeconds = String(Math.floor(opts.nowMs / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [WEBHOOK_HEADERS.deliveryId]: opts.deliveryId,
    [WEBHOOK_HEADERS.timestamp]: unixSeconds,
  };
  if (opts.secret) headers[WEBHOOK_HEADERS.signature] = signWebhook(opts.secret, opts.deliveryId, unixSeconds, opts.payload);
  return headers;
}
