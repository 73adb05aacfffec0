import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateWebhook, ListWebhooks, TestWebhook, UpdateWebhook, WebhookPathOnly } from '@modelyard/contract';
import type { Webhook, WebhookDelivery } from '../../../../domain/registry-webhook.js';
import { mlflowRoute } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { compact } from '../json/tracking-json.js';

/** MLflow's webhook JSON: events as proto enum names; the secret never leaves the server. */
export function webhookToJson(w: Webhook): Record<string, unknown> {
  return compact({
    webhook_id: w.webhookId,
    name: w.name,
    description: w.description,
    url: w.url,
    events: w.events.map((e) => ({ entity: e.entity.toUpperCase(), action: e.action.toUpperCase() })),
    status: w.status,
    creation_timestamp: w.creationTimestamp,
    last_updated_timestamp: w.lastUpdatedTimestamp,
  });
}

function deliveryToJson(d: WebhookDelivery): Record<string, unknown> {
  return compact({
    delivery_id: d.deliveryId,
    entity: d.entity,
    action: d.action,
    status: d.status,
    attempts: d.attempts,
    creation_timestamp: d.creationTimestamp,
    next_attempt_timestamp: d.status === 'PENDING' ? d.nextAttemptTimestamp : undefined,
    last_attempt_timestamp: d.lastAttemptTimestamp,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
  });
}

const idOf = (req: FastifyRequest): string | undefined => (req.params as { webhook_id?: string }).webhook_id;

export function registerWebhookRoutes(app: FastifyInstance, registry: RegistryServices): void {
  const webhooks = registry.webhooks;

  mlflowRoute(app, {
    method: 'POST',
    path: '/webhooks',
    request: CreateWebhook,
    handler: async (msg) => ({ webhook: webhookToJson(await webhooks.create(msg)) }),
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/webhooks',
    request: ListWebhooks,
    handler: async (msg) => {
      const page = await webhooks.list({ maxResults: msg.max_results, pageToken: msg.page_token || undefined });
      return compact({ webhooks: page.webhooks.map(webhookToJson), next_page_token: page.nextPageToken });
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/webhooks/:webhook_id',
    request: WebhookPathOnly,
    handler: async (_msg, req) => ({ webhook: webhookToJson(await webhooks.get(idOf(req))) }),
  });

  mlflowRoute(app, {
    method: 'PATCH',
    path: '/webhooks/:webhook_id',
    request: UpdateWebhook,
    handler: async (msg, req) => ({ webhook: webhookToJson(await webhooks.update(idOf(req), msg)) }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/webhooks/:webhook_id',
    request: WebhookPathOnly,
    handler: async (_msg, req) => {
      await webhooks.delete(idOf(req));
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/webhooks/:webhook_id/test',
    request: TestWebhook,
    handler: async (msg, req) => {
      const r = await webhooks.test(idOf(req), msg.event);
      // MLflow's response_body is left out on purpose: echoing the receiver's reply would let anyone
      // who can register a webhook read pages the server can reach.
      return {
        result: compact({
          success: r.success,
          response_status: r.responseStatus,
          error_message: r.errorMessage,
        }),
      };
    },
  });

  // Modelyard's own: what was sent to a webhook, and how it went (not an MLflow endpoint).
  app.get('/api/v1/registry/webhooks/:webhook_id/deliveries', async (req, reply) => {
    const deliveries = await webhooks.deliveries(idOf(req));
    return reply.type('application/json').send(compact({ deliveries: deliveries.map(deliveryToJson) }));
  });
}
