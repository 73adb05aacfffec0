import { randomUUID } from 'node:crypto';
import { InvalidParameterError } from '../../errors.js';
import { eventKey, examplePayloadData, parseWebhookEvent, webhookPayload, WEBHOOK_STATUSES } from '../../domain/registry-webhook.js';
import type { Webhook, WebhookDelivery, WebhookEventType, WebhookStatus } from '../../domain/registry-webhook.js';
import { webhookNotFound } from '../../stores/registry/webhook-store.js';
import type { WebhookPatch, WebhookStore } from '../../stores/registry/webhook-store.js';
import { checkMaxResults } from '../../stores/search-sql/paging.js';
import { sendWebhook } from './webhook-sender.js';
import { ALLOW_HOSTS_HINT } from './webhook-target.js';
import type { WebhookTargetPolicy } from './webhook-target.js';

export interface WebhookInput {
  name?: string | undefined;
  description?: string | undefined;
  url?: string | undefined;
  events?: readonly unknown[] | undefined;
  secret?: string | undefined;
  status?: string | undefined;
}

/** No response body: the receiver's reply is never shown (see SendResult.error). */
export interface WebhookTestResult {
  success: boolean;
  responseStatus: number | null;
  errorMessage: string | null;
}

export const WEBHOOK_LIST_LIMITS = { defaultMaxResults: 100, maxResults: 1000 } as const;

/** The URL as an error message may show it: a password in it is masked. */
function shownUrl(url: string, parsed?: URL): string {
  if (!parsed?.password) return url;
  const masked = new URL(parsed.href);
  masked.password = '***';
  return masked.href;
}

/**
 * Checks a webhook URL at registration: scheme, then the addresses its host resolves to (see
 * WebhookTargetPolicy). Delivery checks again, so this is for a clear 400, not the only guard.
 */
async function validateUrl(url: string | undefined, required: boolean, targets: WebhookTargetPolicy): Promise<string | undefined> {
  if (url === undefined || url === '') {
    if (required) throw new InvalidParameterError(`Missing value for required parameter 'url'.`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidParameterError(`Invalid webhook URL '${url}': give an absolute http:// or https:// URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidParameterError(`Invalid webhook URL '${shownUrl(url, parsed)}': only http:// and https:// URLs can be called`);
  }
  const target = await targets.check(parsed);
  if (!target.ok) throw new InvalidParameterError(`Invalid webhook URL '${shownUrl(url, parsed)}': ${target.reason}; ${ALLOW_HOSTS_HINT}`);
  return url;
}

function validateStatus(status: string | undefined): WebhookStatus | undefined {
  if (status === undefined || status === '') return undefined;
  const upper = status.toUpperCase();
  if (!(WEBHOOK_STATUSES as readonly string[]).includes(upper)) {
    throw new InvalidParameterError(`Invalid webhook status '${status}': valid statuses are ${WEBHOOK_STATUSES.join(', ')}`);
  }
  return upper as WebhookStatus;
}

function validateEvents(events: readonly unknown[] | undefined, required: boolean): WebhookEventType[] | undefined {
  if (events === undefined || events.length === 0) {
    if (required) throw new InvalidParameterError(`Missing value for required parameter 'events'.`);
    return undefined;
  }
  return events.map((e) => parseWebhookEvent(e));
}

/** Registry webhooks: MLflow's CRUD and test delivery; the outbox and dispatcher do the sending. */
export class WebhookService {
  constructor(
    private readonly deps: { store: WebhookStore; now: () => number; timeoutMs: number; targets: WebhookTargetPolicy },
  ) {}

  async create(input: WebhookInput): Promise<Webhook> {
    if (input.name === undefined || input.name.trim() === '') throw new InvalidParameterError(`Missing value for required parameter 'name'.`);
    const events = validateEvents(input.events, true)!;
    const url = (await validateUrl(input.url, true, this.deps.targets))!;
    return this.deps.store.create(
      {
        name: input.name,
        description: input.description ?? null,
        url,
        events,
        status: validateStatus(input.status) ?? 'ACTIVE',
        secret: input.secret === undefined || input.secret === '' ? null : input.secret,
      },
      this.deps.now(),
    );
  }

  async get(webhookId: string | undefined): Promise<Webhook> {
    if (!webhookId) throw new InvalidParameterError(`Missing value for required parameter 'webhook_id'.`);
    const w = await this.deps.store.get(webhookId);
    if (!w) throw webhookNotFound(webhookId);
    return w;
  }

  async list(q: { maxResults?: number | undefined; pageToken?: string | undefined }): Promise<{ webhooks: Webhook[]; nextPageToken?: string }> {
    const maxResults = q.maxResults ?? WEBHOOK_LIST_LIMITS.defaultMaxResults;
    checkMaxResults(maxResults, WEBHOOK_LIST_LIMITS.maxResults);
    return this.deps.store.list(maxResults, q.pageToken);
  }

  async update(webhookId: string | undefined, input: WebhookInput): Promise<Webhook> {
    await this.get(webhookId);
    if (input.name !== undefined && input.name.trim() === '') throw new InvalidParameterError(`Webhook name cannot be empty.`);
    const patch: WebhookPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.description !== undefined) patch.description = input.description;
    const events = validateEvents(input.events, false);
    if (events !== undefined) patch.events = events;
    const url = await validateUrl(input.url, false, this.deps.targets);
    if (url !== undefined) patch.url = url;
    const status = validateStatus(input.status);
    if (status !== undefined) patch.status = status;
    if (input.secret !== undefined) patch.secret = input.secret === '' ? null : input.secret;
    return this.deps.store.update(webhookId!, patch, this.deps.now());
  }

  async delete(webhookId: string | undefined): Promise<void> {
    await this.get(webhookId);
    await this.deps.store.delete(webhookId!);
  }

  /**
   * Sends an example payload for `event` (default: the webhook's first event) right now, outside
   * the outbox, and reports what the receiver answered.
   */
  async test(webhookId: string | undefined, event?: unknown): Promise<WebhookTestResult> {
    const w = await this.get(webhookId);
    const chosen = event === undefined || event === null ? w.events[0] : parseWebhookEvent(event, 'event');
    if (!chosen) throw new InvalidParameterError(`Webhook ${w.webhookId} subscribes to no event; pass 'event' to test one`);
    const now = this.deps.now();
    const payload = webhookPayload({ ...chosen, data: examplePayloadData(chosen) }, now);
    const r = await sendWebhook({ url: w.url, deliveryId: randomUUID(), payload, secret: w.secret, nowMs: now, timeoutMs: this.deps.timeoutMs, targets: this.deps.targets });
    return {
      success: r.ok,
      responseStatus: r.statusCode,
      errorMessage: r.ok ? null : `Failed to test webhook ${eventKey(chosen)}: ${r.error ?? 'no answer'}`,
    };
  }

  async deliveries(webhookId: string | undefined): Promise<WebhookDelivery[]> {
    const w = await this.get(webhookId);
    return this.deps.store.listDeliveries(w.webhookId);
  }
}
