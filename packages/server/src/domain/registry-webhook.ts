import { InvalidParameterError } from '../errors.js';
import type { RegistryChange } from './registry.js';

/**
 * Registry webhooks as MLflow OSS defines them (mlflow/protos/webhooks.proto,
 * mlflow/webhooks/*): a URL subscribed to (entity, action) events, called with
 * `{entity, action, timestamp, data}` and signed with the webhook's secret.
 */

export type WebhookEntity = RegistryChange['entity'];
export type WebhookAction = RegistryChange['action'];

export interface WebhookEventType {
  entity: WebhookEntity;
  action: WebhookAction;
}

export const WEBHOOK_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/**
 * What can be subscribed to: MLflow's model-registry events, plus stage transitions and
 * transition requests (which MLflow OSS does not have).
 */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  { entity: 'registered_model', action: 'created' },
  { entity: 'model_version', action: 'created' },
  { entity: 'model_version', action: 'transitioned' },
  { entity: 'model_version_tag', action: 'set' },
  { entity: 'model_version_tag', action: 'deleted' },
  { entity: 'model_version_alias', action: 'created' },
  { entity: 'model_version_alias', action: 'deleted' },
  { entity: 'transition_request', action: 'created' },
];

export interface Webhook {
  webhookId: string;
  name: string;
  description: string | null;
  url: string;
  events: WebhookEventType[];
  status: WebhookStatus;
  /** Never leaves the server: only used to sign deliveries. */
  secret: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

export interface WebhookDelivery {
  deliveryId: string;
  webhookId: string;
  entity: string;
  action: string;
  /** The exact JSON body sent (and signed) on every attempt. */
  payload: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  creationTimestamp: number;
  nextAttemptTimestamp: number;
  lastAttemptTimestamp: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

export function eventKey(e: { entity: string; action: string }): string {
  return `${e.entity}.${e.action}`;
}

const KNOWN = new Map(WEBHOOK_EVENT_TYPES.map((e) => [eventKey(e), e]));

/**
 * Accepts an event as MLflow's JSON carries it (`{"entity": "MODEL_VERSION", "action": "CREATED"}`,
 * proto enum names) or as MLflow's Python client spells it (`"model_version.created"`).
 */
export function parseWebhookEvent(input: unknown, field = 'events'): WebhookEventType {
  let entity: unknown;
  let action: unknown;
  if (typeof input === 'string') [entity, action] = input.split('.');
  else if (typeof input === 'object' && input !== null) ({ entity, action } = input as { entity?: unknown; action?: unknown });
  const key = typeof entity === 'string' && typeof action === 'string' ? `${entity.toLowerCase()}.${action.toLowerCase()}` : '';
  const found = KNOWN.get(key);
  if (!found) {
    throw new InvalidParameterError(
      `Invalid webhook event ${JSON.stringify(input)} in '${field}': valid events are ${[...KNOWN.keys()].join(', ')}`,
    );
  }
  return found;
}

/** The body MLflow POSTs: `{entity, action, timestamp (ISO 8601), data}`. */
export function webhookPayload(change: Pick<RegistryChange, 'entity' | 'action' | 'data'>, now: number): string {
  return JSON.stringify({ entity: change.entity, action: change.action, timestamp: new Date(now).toISOString(), data: change.data });
}

/** MLflow's example payloads, sent by the test-delivery endpoint. */
export function examplePayloadData(e: WebhookEventType): Record<string, unknown> {
  const base = { name: 'example_model' };
  switch (eventKey(e)) {
    case 'registered_model.created':
      return { ...base, tags: { example_key: 'example_value' }, description: 'An example registered model' };
    case 'model_version.created':
      return { ...base, version: '1', source: 'models:/123', run_id: 'abcd1234abcd5678', tags: { example_key: 'example_value' }, description: 'An example model version' };
    case 'model_version.transitioned':
      return { ...base, version: '1', from_stage: 'Staging', to_stage: 'Production', comment: 'An example transition' };
    case 'model_version_tag.set':
      return { ...base, version: '1', key: 'example_key', value: 'example_value' };
    case 'model_version_tag.deleted':
      return { ...base, version: '1', key: 'example_key' };
    case 'model_version_alias.created':
      return { ...base, alias: 'example_alias', version: '1' };
    case 'model_version_alias.deleted':
      return { ...base, alias: 'example_alias' };
    default:
      return { ...base, version: '1', to_stage: 'Production', requested_by: 'example_user', comment: 'An example request' };
  }
}
