import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../../db/schema-registry.js';
import { excerpt } from '@modelyard/contract';
import { NotFoundError } from '../../errors.js';
import type { RegistryChange } from '../../domain/registry.js';
import { webhookPayload, WEBHOOK_STATUSES } from '../../domain/registry-webhook.js';
import type { Webhook, WebhookDelivery, WebhookEventType, WebhookStatus } from '../../domain/registry-webhook.js';
import { pageOf, pageWindow } from '../search-sql/paging.js';
import { inTransaction } from './registry-write.js';

export interface NewWebhook {
  name: string;
  description: string | null;
  url: string;
  events: WebhookEventType[];
  status: WebhookStatus;
  secret: string | null;
}

export type WebhookPatch = Partial<NewWebhook>;

/** A due delivery with what sending it needs. */
export interface ClaimedDelivery extends WebhookDelivery {
  url: string;
  secret: string | null;
}

export function webhookNotFound(id: string): NotFoundError {
  return new NotFoundError(`Webhook with ID ${excerpt(id)} not found.`);
}

function toDelivery(r: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    deliveryId: r.delivery_id,
    webhookId: r.webhook_id,
    entity: r.entity,
    action: r.action,
    payload: r.payload,
    status: r.status === 'DELIVERED' || r.status === 'FAILED' ? r.status : 'PENDING',
    attempts: Number(r.attempts),
    creationTimestamp: Number(r.creation_time),
    nextAttemptTimestamp: Number(r.next_attempt_time),
    lastAttemptTimestamp: r.last_attempt_time === null ? null : Number(r.last_attempt_time),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
  };
}

/**
 * Webhooks, their subscriptions and the delivery outbox. Deliveries are enqueued inside the
 * transaction of the change they report and claimed with a lease, so several server processes can
 * share one outbox and a crashed sender's claims come back when the lease ends.
 */
export class WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  async create(w: NewWebhook, now: number): Promise<Webhook> {
    const webhookId = randomUUID();
    await inTransaction(this.db, async (tx) => {
      await tx
        .insertInto('webhooks')
        .values({
          webhook_id: webhookId,
          name: w.name,
          description: w.description,
          url: w.url,
          status: w.status,
          secret: w.secret,
          model_name: null,
          creation_time: now,
          last_updated_time: now,
        })
        .execute();
      await this.writeEvents(tx, webhookId, w.events);
    });
    return (await this.get(webhookId))!;
  }

  async get(webhookId: string): Promise<Webhook | undefined> {
    const [w] = await this.load(this.db.selectFrom('webhooks').selectAll().where('webhook_id', '=', webhookId).execute());
    return w;
  }

  async list(maxResults: number, pageToken: string | undefined): Promise<{ webhooks: Webhook[]; nextPageToken?: string }> {
    const window = pageWindow(maxResults, pageToken);
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('api', '=', 'mlflow')
      .orderBy('creation_time')
      .orderBy('webhook_id')
      .limit(window.limit)
      .offset(window.offset)
      .execute();
    const page = pageOf(rows, window);
    const webhooks = await this.load(Promise.resolve(page.items));
    return page.nextPageToken ? { webhooks, nextPageToken: page.nextPageToken } : { webhooks };
  }

  async update(webhookId: string, patch: WebhookPatch, now: number): Promise<Webhook> {
    await inTransaction(this.db, async (tx) => {
      const res = await tx
        .updateTable('webhooks')
        .set({
          last_updated_time: now,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
        })
        .where('webhook_id', '=', webhookId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw webhookNotFound(webhookId);
      if (patch.events !== undefined) {
        await tx.deleteFrom('webhook_events').where('webhook_id', '=', webhookId).execute();
        await this.writeEvents(tx, webhookId, patch.events);
      }
    });
    return (await this.get(webhookId))!;
  }

  async delete(webhookId: string): Promise<void> {
    const res = await this.db.deleteFrom('webhooks').where('webhook_id', '=', webhookId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw webhookNotFound(webhookId);
  }

  /**
   * Queues one delivery per active webhook subscribed to the change. Runs inside the change's
   * transaction: if the change rolls back, so do its deliveries.
   */
  async enqueue(tx: Kysely<Database>, change: RegistryChange, now: number): Promise<number> {
    const hooks = await tx
      .selectFrom('webhook_events as e')
      .innerJoin('webhooks as w', 'w.webhook_id', 'e.webhook_id')
      .select('w.webhook_id')
      .where('e.entity', '=', change.entity)
      .where('e.action', '=', change.action)
      .where('w.status', '=', 'ACTIVE')
      .where('w.api', '=', 'mlflow')
      .execute();
    if (hooks.length === 0) return 0;
    const payload = webhookPayload(change, now);
    await tx
      .insertInto('webhook_deliveries')
      .values(
        hooks.map((h) => ({
          delivery_id: randomUUID(),
          webhook_id: h.webhook_id,
          entity: change.entity,
          action: change.action,
          payload,
          status: 'PENDING',
          attempts: 0,
          creation_time: now,
          next_attempt_time: now,
        })),
      )
      .execute();
    return hooks.length;
  }

  /**
   * Claims up to `limit` due deliveries: each claim counts as an attempt and moves the next attempt
   * `leaseMs` ahead, so nobody else sends it meanwhile. The re-checked WHERE in the UPDATE makes two
   * racing claimers (PostgreSQL, READ COMMITTED) never claim the same row.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const due = this.db
      .selectFrom('webhook_deliveries')
      .select('delivery_id')
      .where('status', '=', 'PENDING')
      .where('next_attempt_time', '<=', now)
      .orderBy('next_attempt_time')
      .limit(limit);
    const claimed = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ next_attempt_time: now + leaseMs, attempts: eb('attempts', '+', 1), last_attempt_time: now }))
      .where('delivery_id', 'in', due)
      .where('status', '=', 'PENDING')
      .where('next_attempt_time', '<=', now)
      .returningAll()
      .execute();
    if (claimed.length === 0) return [];
    const hooks = await this.db
      .selectFrom('webhooks')
      .select(['webhook_id', 'url', 'secret'])
      .where('webhook_id', 'in', [...new Set(claimed.map((c) => c.webhook_id))])
      .execute();
    const byId = new Map(hooks.map((h) => [h.webhook_id, h]));
    return claimed
      .filter((c) => byId.has(c.webhook_id))
      .map((c) => ({ ...toDelivery(c), url: byId.get(c.webhook_id)!.url, secret: byId.get(c.webhook_id)!.secret }));
  }

  /** Records an attempt's outcome: delivered, retry at `retryAt`, or failed for good (retryAt null). */
  async recordAttempt(
    deliveryId: string,
    outcome: { delivered: boolean; statusCode: number | null; error: string | null; retryAt: number | null },
  ): Promise<void> {
    const status = outcome.delivered ? 'DELIVERED' : outcome.retryAt === null ? 'FAILED' : 'PENDING';
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status,
        last_status_code: outcome.statusCode,
        last_error: outcome.error === null ? null : outcome.error.slice(0, 2000),
        ...(outcome.retryAt !== null ? { next_attempt_time: outcome.retryAt } : {}),
      })
      .where('delivery_id', '=', deliveryId)
      .execute();
  }

  async listDeliveries(webhookId: string, limit = 100): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('creation_time')
      .orderBy('delivery_id')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  private async writeEvents(tx: Kysely<Database>, webhookId: string, events: readonly WebhookEventType[]): Promise<void> {
    const unique = [...new Map(events.map((e) => [`${e.entity}.${e.action}`, e])).values()];
    if (unique.length === 0) return;
    await tx
      .insertInto('webhook_events')
      .values(unique.map((e) => ({ webhook_id: webhookId, entity: e.entity, action: e.action })))
      .execute();
  }

  private async load(rowsPromise: Promise<Selectable<WebhooksTable>[]>): Promise<Webhook[]> {
    const rows = await rowsPromise;
    if (rows.length === 0) return [];
    const events = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('webhook_id', 'in', rows.map((r) => r.webhook_id))
      .orderBy('entity')
      .orderBy('action')
      .execute();
    return rows.map((r) => ({
      webhookId: r.webhook_id,
      name: r.name,
      description: r.description,
      url: r.url,
      events: events
        .filter((e) => e.webhook_id === r.webhook_id)
        .map((e) => ({ entity: e.entity, action: e.action }) as WebhookEventType),
      status: (WEBHOOK_STATUSES as readonly string[]).includes(r.status) ? (r.status as WebhookStatus) : 'DISABLED',
      secret: r.secret,
      creationTimestamp: Number(r.creation_time),
      lastUpdatedTimestamp: Number(r.last_updated_time),
    }));
  }
}
