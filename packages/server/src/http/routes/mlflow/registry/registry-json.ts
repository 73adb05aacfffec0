import type { ModelVersion, RegisteredModel, RegistryEvent } from '../../../../domain/registry.js';
import { compact, tagsToJson } from '../json/tracking-json.js';

/**
 * Registry entities → MLflow's JSON (model_registry.proto through protobuf's JSON mapping):
 * versions are strings, unset fields and empty lists are left out.
 */

export function modelVersionToJson(mv: ModelVersion): Record<string, unknown> {
  return compact({
    name: mv.name,
    version: String(mv.version),
    creation_timestamp: mv.creationTimestamp,
    last_updated_timestamp: mv.lastUpdatedTimestamp,
    user_id: mv.userId,
    current_stage: mv.currentStage,
    description: mv.description,
    source: mv.source,
    run_id: mv.runId,
    status: mv.status,
    status_message: mv.statusMessage,
    tags: tagsToJson(mv.tags),
    run_link: mv.runLink,
    aliases: mv.aliases,
    model_id: mv.modelId,
  });
}

export function registeredModelToJson(m: RegisteredModel): Record<string, unknown> {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    description: m.description,
    latest_versions: m.latestVersions.map(modelVersionToJson),
    tags: tagsToJson(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  });
}

/** Modelyard's own audit-trail shape (`/api/v1/registry/events`), snake_case like the rest of the API. */
export function registryEventToJson(e: RegistryEvent): Record<string, unknown> {
  return compact({
    event_id: e.eventId,
    name: e.name,
    version: e.version === null ? null : String(e.version),
    kind: e.kind,
    alias: e.alias,
    from: e.fromValue,
    to: e.toValue,
    actor: e.actor,
    comment: e.comment,
    timestamp: e.timestamp,
  });
}
