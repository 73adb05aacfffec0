import { NotFoundError } from '../../errors.js';
import type { ServingEndpoint } from '../../services/serving/index.js';
import type { ServingEndpointService } from '../../services/serving/serving-endpoint-service.js';
import type { DeployRequest, DeploySummary, EndpointDeployer } from './deploy-task.js';

/** The invocations route of an endpoint (http/routes/v1/serving-endpoints.ts). */
export function invocationsPath(endpointName: string): string {
  return `/api/v1/serving-endpoints/${encodeURIComponent(endpointName)}/invocations`;
}

/** A served model's name: the registered model's (`models:/<name>…`), else the endpoint's. */
function servedModelName(endpointName: string, modelUri: string): string {
  const name = /^models:\/([^/@]+)/.exec(modelUri)?.[1];
  return name && /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name) && !name.startsWith('m-') ? name : endpointName;
}

/**
 * The deploy task through the serving endpoints service: the endpoint serves exactly the task's
 * model (100% of traffic) afterwards. In a process that serves (the server) `upsert` loads the
 * model before returning, so a model that cannot load fails the task; elsewhere (`modelyard run`)
 * the configuration is stored and the server serving this store picks it up.
 */
export class ServingEndpointDeployer implements EndpointDeployer {
  constructor(private readonly endpoints: Pick<ServingEndpointService, 'get' | 'upsert'>) {}

  async deploy(request: DeployRequest): Promise<DeploySummary> {
    let before: ServingEndpoint | undefined;
    try {
      before = await this.endpoints.get(request.endpointName);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    const served = servedModelName(request.endpointName, request.modelUri);
    const after = await this.endpoints.upsert({
      name: request.endpointName,
      ...(request.description !== undefined ? { description: request.description } : before?.description !== undefined ? { description: before.description } : {}),
      servedModels: [{ name: served, modelUri: request.modelUri, ...(request.registryUri ? { registryUri: request.registryUri } : {}) }],
      ...(before ? { inferenceLog: before.config.inferenceLog } : {}),
    });
    const state = after.servedModelStates.find((s) => s.name === served);
    if (state?.status === 'FAILED') {
      const from = request.registryUri ? ` from the registry at ${request.registryUri}` : '';
      throw new Error(`endpoint ${request.endpointName} could not load ${request.modelUri}${from}: ${state.message ?? 'no reason given'}`);
    }
    const previous = before?.servedModelStates.find((s) => s.loadedModelVersion !== undefined);
    return {
      endpointName: request.endpointName,
      invocationsUrl: invocationsPath(request.endpointName),
      ...(state?.loadedModelName !== undefined ? { modelName: state.loadedModelName } : {}),
      ...(state?.loadedModelVersion !== undefined ? { modelVersion: Number(state.loadedModelVersion) } : {}),
      ...(previous?.loadedModelVersion !== undefined && previous.loadedModelName === state?.loadedModelName ? { previousModelVersion: Number(previous.loadedModelVersion) } : {}),
    };
  }
}
