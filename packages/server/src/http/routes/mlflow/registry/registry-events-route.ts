import type { FastifyInstance } from 'fastify';
import { ListRegistryEvents } from '@modelyard/contract';
import { validate } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { compact } from '../json/tracking-json.js';
import { registryEventToJson } from './registry-json.js';

/** Modelyard's own API (not MLflow's): the registry audit trail, oldest first. */
export const REGISTRY_EVENTS_PATH = '/api/v1/registry/events';

export function registerRegistryEventRoutes(app: FastifyInstance, registry: RegistryServices): void {
  app.get(REGISTRY_EVENTS_PATH, async (req, reply) => {
    const msg = validate(ListRegistryEvents, req.query ?? {});
    const page = await registry.events.list({
      name: msg.name,
      version: msg.version,
      kinds: msg.kind,
      maxResults: msg.max_results,
      pageToken: msg.page_token || undefined,
    });
    return reply.type('application/json').send(compact({ events: page.events.map(registryEventToJson), next_page_token: page.nextPageToken }));
  });
}
