import { Client, MlflowApiError, MlflowConnectionError } from '@modelyard/sdk';
import type { ModelVersion as WireModelVersion } from '@modelyard/sdk';
import { canonicalStage, isModelStage } from '../../domain/registry.js';
import type { ChangeContext, ModelVersion, ModelVersionStatus } from '../../domain/registry.js';
import { AlreadyExistsError, InvalidParameterError, InvalidStateError, NotFoundError } from '../../errors.js';
import type { ModelVersionService } from '../../services/registry/model-version-service.js';
import { parseModelUri } from '../../services/registry/model-uri.js';
import { TaskFailure } from './in-process-executor.js';

/** What the registry task types (promote, evaluate) call: the server's service, or a central registry over HTTP. */
export type TaskModelVersions = Pick<ModelVersionService, 'resolveModelUri' | 'transitionStage' | 'setAlias' | 'getByAlias'>;

export interface RemoteRegistryOptions {
  /** The central registry: `workspace.registry_uri` of the job run's definition (its target's, when it overrides). */
  registryUri: string;
  /** Credited in the central registry's audit trail (sent as X-Modelyard-User): `job-run:<id>`. */
  actor: string;
  /** Where the job runs (this server), added to each change's comment: job run 3 of which server? */
  origin?: string;
  /** Retries on connection errors and 5xx before the task fails (default 3: about 1.5 s). */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * True when `registryUri` names another server than the one running the job. The job's own
 * server is used in process (no HTTP round trip to itself, and its audit trail gets the same
 * actor either way).
 */
export function isRemoteRegistry(registryUri: string | undefined, ownUri: string | undefined): registryUri is string {
  if (!registryUri) return false;
  const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase();
  return ownUri === undefined || norm(registryUri) !== norm(ownUri);
}

/**
 * Checks a central registry URI once per attempt. The project parser also accepts store URIs
 * (sqlite:///…, postgresql://…, databricks) for command tasks' MLflow clients, but the in-process
 * tasks reach a registry only over HTTP, so anything else fails the task naming the setting.
 */
export function checkRemoteRegistryUri(registryUri: string): string {
  if (!/^https?:\/\/[^/\s]+/i.test(registryUri)) {
    throw new TaskFailure(
      `workspace.registry_uri '${registryUri}' is not an http(s) server URL; evaluate, gate, promote, batch_score and deploy tasks use a central registry over HTTP (e.g. http://registry.internal:5000)`,
    );
  }
  return registryUri.replace(/\/+$/, '');
}

/**
 * A central Modelyard or MLflow registry behind the interface the task types use, through the
 * SDK's client (the same wire API every MLflow client speaks). Its errors come back as the
 * server's own error classes, so the tasks' "no champion yet" and "alias missing" handling work
 * unchanged; a server that does not answer fails the task with a message naming its URI.
 *
 * The registry URI comes from a deployed project definition, i.e. from someone who may deploy
 * jobs, whose command tasks can already reach any address: no address policy applies here, unlike
 * webhooks (whose targets any registry writer sets).
 */
export class RemoteModelVersions implements TaskModelVersions {
  readonly registryUri: string;
  private readonly client: Client;
  private readonly origin: string | undefined;

  constructor(opts: RemoteRegistryOptions) {
    this.registryUri = checkRemoteRegistryUri(opts.registryUri);
    this.origin = opts.origin;
    this.client = new Client({
      trackingUri: this.registryUri,
      registryUri: this.registryUri,
      user: opts.actor,
      maxRetries: opts.maxRetries ?? 3,
      backoffMs: 100,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      // Never this process's MLFLOW_* variables: they describe other servers.
      env: {},
    });
  }

  async resolveModelUri(uri: string): Promise<{ version: ModelVersion; downloadUri: string }> {
    const parsed = parseModelUri(uri);
    let wire: WireModelVersion;
    switch (parsed.kind) {
      case 'version':
        wire = await this.call(() => this.client.registry.getModelVersion(parsed.name, String(parsed.version)));
        break;
      case 'alias':
        wire = await this.call(() => this.client.registry.getModelVersionByAlias(parsed.name, parsed.alias));
        break;
      case 'latest':
      case 'stage': {
        const stage = parsed.kind === 'stage' ? canonicalStage(parsed.stage) : undefined;
        const versions = await this.call(() => this.client.registry.getLatestVersions(parsed.name, stage ? [stage] : []));
        const newest = versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
        if (!newest) {
          throw new NotFoundError(
            `${stage ? `No versions of model with name '${parsed.name}' and stage '${stage}' found` : `No versions of model with name '${parsed.name}' found`} in the registry at ${this.registryUri}`,
          );
        }
        wire = newest;
        break;
      }
      case 'logged_model':
        throw new InvalidParameterError(`'${uri}' names a logged model, not a registered model version; the registry at ${this.registryUri} resolves models:/<name>/… URIs only`);
    }
    const version = toDomain(wire);
    const downloadUri = await this.call(() => this.client.registry.getModelVersionDownloadUri(wire.name, wire.version));
    return { version, downloadUri };
  }

  async transitionStage(
    input: { name?: string | undefined; version: number | string | undefined; stage?: string | undefined; archiveExistingVersions?: boolean | undefined },
    caller: ChangeContext,
  ): Promise<ModelVersion> {
    if (!input.name || !input.stage) throw new InvalidParameterError(`a stage transition needs a model name and a stage`);
    const { name, stage } = input;
    const moved = await this.call(() =>
      this.client.registry.transitionModelVersionStage(name, String(input.version), canonicalStage(stage), {
        archiveExistingVersions: input.archiveExistingVersions ?? false,
        ...this.comment(caller),
      }),
    );
    return toDomain(moved);
  }

  async setAlias(name: string | undefined, alias: string | undefined, version: number | string | undefined, caller: ChangeContext): Promise<void> {
    if (!name || !alias) throw new InvalidParameterError(`setting an alias needs a model name and an alias`);
    await this.call(() => this.client.registry.setAlias(name, alias, String(version), this.comment(caller)));
  }

  async getByAlias(name: string | undefined, alias: string | undefined): Promise<ModelVersion> {
    if (!name || !alias) throw new InvalidParameterError(`reading an alias needs a model name and an alias`);
    return toDomain(await this.call(() => this.client.registry.getModelVersionByAlias(name, alias)));
  }

  /**
   * The change's comment names the job run; with `origin` it also names the server it ran on, since
   * job run ids are per server and a central registry hears from several.
   */
  private comment(caller: ChangeContext): { comment?: string } {
    const text = [caller.comment, this.origin ? `on ${this.origin}` : undefined].filter(Boolean).join(' ');
    return text ? { comment: text } : {};
  }

  /** One registry request, its failure translated into the server's error classes. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      throw this.translate(e);
    }
  }

  private translate(e: unknown): Error {
    if (e instanceof MlflowConnectionError) {
      return new TaskFailure(`the central registry at ${this.registryUri} (workspace.registry_uri) is unreachable: ${e.message}`);
    }
    if (e instanceof MlflowApiError) {
      const message = `${e.message} (registry at ${this.registryUri})`;
      switch (e.errorCode) {
        case 'RESOURCE_DOES_NOT_EXIST':
          return new NotFoundError(message);
        case 'INVALID_PARAMETER_VALUE':
          return new InvalidParameterError(message);
        case 'RESOURCE_ALREADY_EXISTS':
          return new AlreadyExistsError(message);
        case 'INVALID_STATE':
          return new InvalidStateError(message);
        case 'UNAUTHENTICATED':
        case 'PERMISSION_DENIED':
          return new TaskFailure(`the central registry at ${this.registryUri} refused this server's request (${e.errorCode}): ${e.message}; give the job's server credentials or permissions there`);
        case 'ENDPOINT_NOT_FOUND':
          return new TaskFailure(`${this.registryUri} (workspace.registry_uri) does not serve MLflow's registry API: ${e.message}`);
        default:
          return new TaskFailure(`the central registry at ${this.registryUri} answered ${e.httpStatus} ${e.errorCode}: ${e.message}`);
      }
    }
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** MLflow's wire version (strings, maps, absent fields) as the server's entity. */
function toDomain(v: WireModelVersion): ModelVersion {
  return {
    name: v.name,
    version: Number(v.version),
    creationTimestamp: v.creationTimestamp ?? 0,
    lastUpdatedTimestamp: v.lastUpdatedTimestamp ?? v.creationTimestamp ?? 0,
    userId: v.userId ?? null,
    currentStage: isModelStage(v.currentStage) ? v.currentStage : canonicalStage(v.currentStage),
    description: v.description ?? null,
    source: v.source,
    // The central server resolves its own storage; its download URI is asked for separately.
    storageLocation: null,
    runId: v.runId ?? null,
    runLink: v.runLink ?? null,
    status: v.status as ModelVersionStatus,
    statusMessage: v.statusMessage ?? null,
    modelId: v.modelId ?? null,
    tags: Object.entries(v.tags ?? {}).map(([key, value]) => ({ key, value })),
    aliases: v.aliases ?? [],
  };
}
