import { excerpt, excerptValue } from '@modelyard/contract';
import { InvalidParameterError } from '../../errors.js';
import type { ServedModelConfig, ServingEndpointConfig, TrafficRoute } from '../../stores/serving/serving-endpoint-store.js';
import { isModelsUri, parseModelUri } from '../registry/model-uri.js';

/** What a caller (HTTP route, pipeline `deploy` task) asks an endpoint to be. */
export interface ServingEndpointInput {
  name: string;
  description?: string;
  servedModels: ServedModelConfig[];
  /** Required with more than one served model; one served model gets 100% by default. */
  traffic?: TrafficRoute[];
  /** Append requests and responses to `<dataDir>/inference-logs/<endpoint>.jsonl` (default false). */
  inferenceLog?: boolean;
}

/** Databricks' rule for endpoint names, which also keeps them safe as file names and URL segments. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const MAX_SERVED_MODELS = 10;

export function validateEndpointName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidParameterError(`'${field}' must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit; got ${typeof name === 'string' ? JSON.stringify(excerpt(name)) : excerptValue(name ?? null)}`);
  }
  return name;
}

/** Checks an endpoint request and fills defaults; every error names the field to fix. */
export function validateEndpointInput(input: ServingEndpointInput): { name: string; description?: string; config: ServingEndpointConfig } {
  const name = validateEndpointName(input.name);
  const served = input.servedModels;
  if (!Array.isArray(served) || served.length === 0) throw new InvalidParameterError(`'served_models' must list at least one model to serve (name and model_uri)`);
  if (served.length > MAX_SERVED_MODELS) throw new InvalidParameterError(`'served_models' has ${served.length} entries; an endpoint serves at most ${MAX_SERVED_MODELS}`);
  const names = new Set<string>();
  const servedModels = served.map((m, i) => {
    const modelName = validateEndpointName(m?.name, `served_models[${i}].name`);
    if (names.has(modelName)) throw new InvalidParameterError(`'served_models[${i}].name' repeats '${modelName}'; served model names must be unique within an endpoint`);
    names.add(modelName);
    const uri = m.modelUri;
    if (typeof uri !== 'string' || uri.trim() === '') throw new InvalidParameterError(`'served_models[${i}].model_uri' must be a model URI such as models:/<name>@<alias> or models:/<name>/Production`);
    // Local paths are refused: an API client must not make the server open arbitrary files.
    if (isModelsUri(uri)) parseModelUri(uri);
    else if (!/^runs:\//i.test(uri)) throw new InvalidParameterError(`'served_models[${i}].model_uri' is '${uri}'; an endpoint serves registry or run models: models:/<name>@<alias>, models:/<name>/<stage|version>, models:/m-<id> or runs:/<run_id>/<path>`);
    // Only the pipeline deploy task sets a registry (from a deployed project): the HTTP API never maps one from a request.
    const registryUri = m.registryUri;
    if (registryUri !== undefined && !/^https?:\/\/[^/\s]+/i.test(registryUri)) {
      throw new InvalidParameterError(`'served_models[${i}]' names registry '${registryUri}'; a central registry is an http(s) server URL`);
    }
    return { name: modelName, modelUri: uri, ...(registryUri !== undefined ? { registryUri } : {}) };
  });
  const traffic = validateTraffic(input.traffic, servedModels);
  if (input.inferenceLog !== undefined && typeof input.inferenceLog !== 'boolean') throw new InvalidParameterError(`'inference_log.enabled' must be true or false`);
  if (input.description !== undefined && typeof input.description !== 'string') throw new InvalidParameterError(`'description' must be a string`);
  return {
    name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    config: { servedModels, traffic, inferenceLog: input.inferenceLog ?? false },
  };
}

function validateTraffic(routes: TrafficRoute[] | undefined, served: ServedModelConfig[]): TrafficRoute[] {
  if (routes === undefined || routes.length === 0) {
    if (served.length === 1) return [{ servedModelName: served[0]!.name, percentage: 100 }];
    throw new InvalidParameterError(`'traffic_config.routes' is required with ${served.length} served models: give each a traffic_percentage, summing to 100`);
  }
  const seen = new Set<string>();
  let total = 0;
  const out = routes.map((r, i) => {
    const target = r?.servedModelName;
    if (typeof target !== 'string' || !served.some((m) => m.name === target)) {
      throw new InvalidParameterError(`'traffic_config.routes[${i}].served_model_name' is ${JSON.stringify(target ?? null)}, which is not one of the served models (${served.map((m) => m.name).join(', ')})`);
    }
    if (seen.has(target)) throw new InvalidParameterError(`'traffic_config.routes[${i}]' routes '${target}' a second time; give each served model one route`);
    seen.add(target);
    const p = r.percentage;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100) {
      throw new InvalidParameterError(`'traffic_config.routes[${i}].traffic_percentage' must be a whole number from 0 to 100, got ${JSON.stringify(p ?? null)}`);
    }
    total += p;
    return { servedModelName: target, percentage: p };
  });
  if (total !== 100) throw new InvalidParameterError(`'traffic_config.routes' percentages sum to ${total}; they must sum to 100`);
  return out;
}
