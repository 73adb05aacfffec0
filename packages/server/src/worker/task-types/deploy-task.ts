import type { JobRunRecord } from '../../domain/pipelines/job-records.js';
import { ATTR } from '../../telemetry/attribute-names.js';
import { modelUriAttributes } from '../../telemetry/model-uri-attributes.js';
import type { TaskHandler } from './in-process-executor.js';

export interface DeployRequest {
  /** The endpoint's name (from `serving_endpoints.<key>.name`). */
  endpointName: string;
  modelUri: string;
  /** The central registry `modelUri` resolves in (the project's workspace.registry_uri), when not this server's. */
  registryUri?: string;
  description?: string;
  actor: string;
}

export interface DeploySummary {
  endpointName: string;
  /** Where it answers (`…/serving-endpoints/<name>/invocations`), when known. */
  invocationsUrl?: string;
  modelName?: string;
  modelVersion?: number;
  /** The version it served before, if it served one. */
  previousModelVersion?: number;
}

/** Serving endpoints as the serving service offers them (services/serving); tasks only see this. */
export interface EndpointDeployer {
  deploy(request: DeployRequest): Promise<DeploySummary>;
}

export interface DeployResult extends DeploySummary {
  kind: 'deploy';
  modelUri: string;
}

/**
 * Points a serving endpoint at a model (creating the endpoint the first time). The endpoint's
 * definition comes from the job's snapshot of `serving_endpoints`, which the deploy task's
 * `endpoint` key names (validated at load time).
 */
export function deployTask(deps: { endpoints: EndpointDeployer; jobRun(jobRunId: number): Promise<JobRunRecord | undefined>; registryUri?: string }): TaskHandler {
  return async ({ request, actor, log, step }) => {
    if (request.task.type !== 'deploy') throw new Error(`the deploy handler got a '${request.task.type}' task`);
    const spec = request.task.deploy;
    const endpoint = (await deps.jobRun(request.jobRunId))?.definition.servingEndpoints?.[spec.endpoint];
    const endpointName = endpoint?.name ?? spec.endpoint;
    const summary = await step(`deploy ${endpointName}`, { ...modelUriAttributes(spec.modelUri), [ATTR.endpoint]: endpointName }, async (span) => {
      const deployed = await deps.endpoints.deploy({
        endpointName,
        modelUri: spec.modelUri,
        ...(deps.registryUri ? { registryUri: deps.registryUri } : {}),
        actor,
        ...(endpoint?.description ? { description: endpoint.description } : {}),
      });
      span.setAttributes({
        ...(deployed.modelName !== undefined ? { [ATTR.modelName]: deployed.modelName } : {}),
        ...(deployed.modelVersion !== undefined ? { [ATTR.modelVersion]: String(deployed.modelVersion) } : {}),
      });
      return deployed;
    });
    const model = summary.modelName !== undefined ? `${summary.modelName} v${summary.modelVersion}` : spec.modelUri;
    const from = summary.previousModelVersion !== undefined ? ` (was v${summary.previousModelVersion})` : '';
    const message = `endpoint ${endpointName} serves ${model}${from}${summary.invocationsUrl ? ` at ${summary.invocationsUrl}` : ''}`;
    await log(message);
    const result: DeployResult = { kind: 'deploy', modelUri: spec.modelUri, ...summary };
    return { message, result };
  };
}
