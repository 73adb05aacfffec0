import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkProjectFile } from '../../domain/pipelines/bundle-ref.js';
import type { BundleRef } from '../../domain/pipelines/bundle-ref.js';
import { formatProblem } from '../../domain/pipelines/problems.js';
import { loadProject } from '../../domain/pipelines/project-parser.js';
import type { ProjectSpec } from '../../domain/pipelines/project-model.js';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { JobServices } from '../pipelines/create-job-services.js';
import type { RegisteredModelService } from '../registry/registered-model-service.js';
import type { ServingEndpointService } from '../serving/serving-endpoint-service.js';
import type { BundleService } from './bundle-service.js';
import type { DeploymentState, DeploymentStateStore } from './deployment-state.js';

export type ResourceKind = 'job' | 'registered_model' | 'serving_endpoint';
export type ChangeAction = 'created' | 'updated' | 'unchanged' | 'removed' | 'kept';

export interface ResourceChange {
  kind: ResourceKind;
  name: string;
  action: ChangeAction;
  /** Why, when the action needs one (a registered model kept because it holds versions). */
  reason?: string;
  jobId?: number;
}

export interface DeployResult {
  project: string;
  target?: string;
  bundle: BundleRef;
  changes: ResourceChange[];
}

export interface BundleDeployerDeps {
  bundles: BundleService;
  pipelines: Pick<JobServices, 'jobs' | 'jobsApi'>;
  registeredModels: Pick<RegisteredModelService, 'get' | 'create' | 'update' | 'delete'>;
  endpoints: Pick<ServingEndpointService, 'get' | 'upsert' | 'delete'>;
  states: DeploymentStateStore;
  now?: () => number;
}

const isNotFound = (e: unknown) => e instanceof NotFoundError || (e as { errorCode?: string }).errorCode === 'RESOURCE_DOES_NOT_EXIST';

async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The served model of a bundle's endpoint: named after the registered model, as the deploy task names it. */
function servedModelName(endpointName: string, modelUri: string): string {
  const name = /^models:\/([^/@]+)/.exec(modelUri)?.[1];
  return name && /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name) && !name.startsWith('m-') ? name : endpointName;
}

/**
 * `modelyard deploy` / `destroy` on the server (Databricks' `bundle deploy` / `bundle destroy`):
 * reads the project file from the uploaded bundle itself, so what is deployed is exactly what
 * was packed, then brings the target's jobs (with their schedules), registered models and serving
 * endpoints to what it declares. What a deploy manages is recorded per (project, target) in the
 * artifacts destination, as Databricks keeps a bundle's deployment state in the workspace: the
 * next deploy removes what the project no longer declares, and `destroy` removes it all.
 */
export class BundleDeployer {
  constructor(private readonly deps: BundleDeployerDeps) {}

  async deploy(input: { sha256: string; projectFile: string; target?: string; actor: string | null }): Promise<DeployResult> {
    const projectFile = checkProjectFile(input.projectFile);
    if (!(await this.deps.bundles.exists(input.sha256))) throw new NotFoundError(`bundle ${input.sha256} does not exist on this server; upload it first (PUT /api/v1/bundles/upload)`);
    const dir = await this.deps.bundles.checkout(input.sha256);
    const spec = await this.readProject(dir, projectFile, input.target);
    const bundle: BundleRef = { sha256: input.sha256, projectFile };
    const target = spec.target ?? '';
    const before = await this.deps.states.read(spec.name, target);
    const changes: ResourceChange[] = [];

    const existing = (await this.deps.pipelines.jobs.listJobs()).filter((j) => j.projectName === spec.name && j.target === target);
    const deployed = await this.deps.pipelines.jobs.deploy(spec, '', bundle);
    for (const job of deployed) {
      const old = existing.find((j) => j.jobKey === job.jobKey);
      const action: ChangeAction = !old ? 'created' : JSON.stringify(old.definition) === JSON.stringify(job.definition) ? 'unchanged' : 'updated';
      changes.push({ kind: 'job', name: job.jobKey, action, jobId: job.jobId });
    }
    for (const old of existing.filter((j) => !spec.jobs[j.jobKey])) {
      await this.deps.pipelines.jobsApi.delete(old.jobId);
      changes.push({ kind: 'job', name: old.jobKey, action: 'removed', jobId: old.jobId });
    }

    // With a registry_uri the models live in another registry, which this server does not manage.
    const models = spec.workspace.registryUri ? [] : Object.values(spec.registeredModels);
    for (const m of models) changes.push(await this.applyModel(m.name, m.description, m.tags, input.actor));
    const modelNames = new Set(models.map((m) => m.name));
    for (const name of before?.registeredModels ?? []) if (!modelNames.has(name)) changes.push(await this.removeModel(name, input.actor));

    const endpoints = Object.values(spec.servingEndpoints).filter((e) => e.modelUri !== undefined);
    for (const e of endpoints) changes.push(await this.applyEndpoint(e.name, e.modelUri!, e.description));
    const endpointNames = new Set(endpoints.map((e) => e.name));
    for (const name of before?.servingEndpoints ?? []) if (!endpointNames.has(name)) changes.push(await this.removeEndpoint(name));

    const state: DeploymentState = {
      project: spec.name,
      target,
      bundle,
      deployedTime: (this.deps.now ?? Date.now)(),
      actor: input.actor,
      jobs: deployed.map((j) => j.jobKey),
      // A model kept on removal (it holds versions) is no longer this deployment's.
      registeredModels: [...modelNames],
      servingEndpoints: [...endpointNames],
    };
    await this.deps.states.write(state);
    return { project: spec.name, ...(spec.target !== undefined ? { target: spec.target } : {}), bundle, changes };
  }

  /** Removes every job, serving endpoint and (version-less) registered model the target deployed. */
  async destroy(input: { project: string; target?: string; actor: string | null }): Promise<{ project: string; target?: string; changes: ResourceChange[] }> {
    const target = input.target ?? '';
    const state = await this.deps.states.read(input.project, target);
    const jobs = (await this.deps.pipelines.jobs.listJobs()).filter((j) => j.projectName === input.project && j.target === target);
    if (!state && jobs.length === 0) {
      throw new NotFoundError(`project '${input.project}'${target ? ` (target ${target})` : ''} has nothing deployed on this server`);
    }
    const changes: ResourceChange[] = [];
    for (const job of jobs) {
      await this.deps.pipelines.jobsApi.delete(job.jobId);
      changes.push({ kind: 'job', name: job.jobKey, action: 'removed', jobId: job.jobId });
    }
    for (const name of state?.servingEndpoints ?? []) changes.push(await this.removeEndpoint(name));
    for (const name of state?.registeredModels ?? []) changes.push(await this.removeModel(name, input.actor));
    await this.deps.states.remove(input.project, target);
    return { project: input.project, ...(target ? { target } : {}), changes };
  }

  private async readProject(dir: string, projectFile: string, target: string | undefined): Promise<ProjectSpec> {
    let text: string;
    try {
      text = await readFile(join(dir, projectFile), 'utf8');
    } catch {
      throw new InvalidParameterError(`the bundle has no project file '${projectFile}'; pack the folder that holds modelyard.yaml`);
    }
    const loaded = loadProject(text, target !== undefined ? { target } : {});
    if (!loaded.spec) {
      const lines = loaded.problems.map((p) => formatProblem(projectFile, p)).join('; ');
      throw new InvalidParameterError(`${projectFile} in the bundle has ${loaded.problems.length} problem(s): ${lines}`);
    }
    return loaded.spec;
  }

  private async applyModel(name: string, description: string | undefined, tags: Record<string, string>, actor: string | null): Promise<ResourceChange> {
    const current = await getOrUndefined(() => this.deps.registeredModels.get(name));
    if (!current) {
      await this.deps.registeredModels.create({ name, ...(description !== undefined ? { description } : {}), tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }, { actor: actor ?? 'modelyard-deploy' });
      return { kind: 'registered_model', name, action: 'created' };
    }
    if (description !== undefined && (current.description ?? '') !== description) {
      await this.deps.registeredModels.update(name, description);
      return { kind: 'registered_model', name, action: 'updated' };
    }
    return { kind: 'registered_model', name, action: 'unchanged' };
  }

  /** Deletes a registered model only while it holds no versions: trained models are never thrown away by a deploy. */
  private async removeModel(name: string, actor: string | null): Promise<ResourceChange> {
    const current = await getOrUndefined(() => this.deps.registeredModels.get(name));
    if (!current) return { kind: 'registered_model', name, action: 'removed' };
    if (current.latestVersions.length > 0) {
      return { kind: 'registered_model', name, action: 'kept', reason: 'it holds model versions; delete it in the registry if it is no longer needed' };
    }
    await this.deps.registeredModels.delete(name, { actor: actor ?? 'modelyard-deploy' });
    return { kind: 'registered_model', name, action: 'removed' };
  }

  private async applyEndpoint(name: string, modelUri: string, description: string | undefined): Promise<ResourceChange> {
    const current = await getOrUndefined(() => this.deps.endpoints.get(name));
    const served = servedModelName(name, modelUri);
    const same =
      current !== undefined &&
      current.config.servedModels.length === 1 &&
      current.config.servedModels[0]!.modelUri === modelUri &&
      (description === undefined || current.description === description);
    if (same) return { kind: 'serving_endpoint', name, action: 'unchanged' };
    await this.deps.endpoints.upsert({
      name,
      servedModels: [{ name: served, modelUri }],
      ...(description !== undefined ? { description } : current?.description !== undefined ? { description: current.description } : {}),
      ...(current ? { inferenceLog: current.config.inferenceLog } : {}),
    });
    return { kind: 'serving_endpoint', name, action: current ? 'updated' : 'created' };
  }

  private async removeEndpoint(name: string): Promise<ResourceChange> {
    try {
      await this.deps.endpoints.delete(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return { kind: 'serving_endpoint', name, action: 'removed' };
  }
}
