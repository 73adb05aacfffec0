import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { ACTIVE_STAGES, ANONYMOUS_ACTOR, canonicalStage, modelVersionNotFound, registeredModelNotFound } from '../../domain/registry.js';
import type { ChangeContext, ModelVersion, ModelVersionStatus } from '../../domain/registry.js';
import type { Tag } from '../../domain/tracking.js';
import { MODEL_VERSION_SEARCH } from '../../stores/registry/registry-search.js';
import { resolveSource } from './model-source.js';
import { parseModelUri } from './model-uri.js';
import { writeContext } from './registry-deps.js';
import type { RegistryServiceDeps } from './registry-deps.js';
import type { SearchRegistryInput } from './registered-model-service.js';
import {
  dedupeTags,
  parseVersion,
  validateAlias,
  validateDescription,
  validateModelName,
  validateRegistryTag,
} from './registry-validation.js';

export interface CreateModelVersionInput {
  name?: string | undefined;
  source?: string | undefined;
  runId?: string | undefined;
  runLink?: string | undefined;
  modelId?: string | undefined;
  description?: string | undefined;
  tags?: Tag[] | undefined;
  /** Only `models copy` registers a version whose files are still on their way. */
  status?: ModelVersionStatus | undefined;
}

type VersionRef = string | number | undefined;

const emptyToNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

/** Model versions and aliases: MLflow's rules, source resolution and the audit trail. */
export class ModelVersionService {
  constructor(private readonly deps: RegistryServiceDeps) {}

  private get stores() {
    return this.deps.stores;
  }

  async create(input: CreateModelVersionInput, caller: ChangeContext): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    if (input.source === undefined || input.source === '') throw new InvalidParameterError(`Missing value for required parameter 'source'.`);
    const tags = dedupeTags(input.tags ?? []);
    for (const t of tags) validateRegistryTag(t);
    const description = validateDescription(input.description);
    // Fail on a missing model before resolving the source (which may call the tracking side).
    if (!(await this.stores.models.exists(name))) throw registeredModelNotFound(name);
    const resolved = await resolveSource(
      { source: input.source, runId: emptyToNull(input.runId), modelId: emptyToNull(input.modelId) },
      this.deps.tracking,
      (uri) => this.resolveModelUri(uri).then((r) => r.downloadUri),
    );
    return this.stores.versions.create(
      {
        name,
        source: input.source,
        storageLocation: resolved.storageLocation,
        runId: resolved.runId,
        runLink: emptyToNull(input.runLink),
        modelId: resolved.modelId,
        description,
        userId: caller.actor === ANONYMOUS_ACTOR ? null : caller.actor,
        status: input.status ?? 'READY',
        tags,
      },
      writeContext(this.deps, caller),
    );
  }

  async get(name: string | undefined, version: VersionRef): Promise<ModelVersion> {
    const n = validateModelName(name);
    const v = parseVersion(version);
    const mv = await this.stores.versions.get(n, v);
    if (!mv) throw modelVersionNotFound(n, v);
    return mv;
  }

  /** Without a description nothing changes but the update time. */
  async update(name: string | undefined, version: VersionRef, description: string | undefined): Promise<ModelVersion> {
    const current = await this.get(name, version);
    const next = description === undefined ? current.description : validateDescription(description);
    await this.stores.versions.updateDescription(current.name, current.version, next, this.deps.now());
    return this.get(current.name, current.version);
  }

  async delete(name: string | undefined, version: VersionRef, caller: ChangeContext): Promise<void> {
    await this.stores.versions.delete(validateModelName(name), parseVersion(version), writeContext(this.deps, caller));
  }

  search(q: SearchRegistryInput): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
    return this.stores.versions.search({
      filter: q.filter,
      orderBy: q.orderBy,
      maxResults: q.maxResults ?? MODEL_VERSION_SEARCH.defaultMaxResults,
      pageToken: q.pageToken,
    });
  }

  async setTag(name: string | undefined, version: VersionRef, tag: Tag, caller: ChangeContext): Promise<void> {
    const n = validateModelName(name);
    const v = parseVersion(version);
    validateRegistryTag(tag);
    await this.stores.versions.setTag(n, v, tag, writeContext(this.deps, caller));
  }

  async deleteTag(name: string | undefined, version: VersionRef, key: string, caller: ChangeContext): Promise<void> {
    await this.stores.versions.deleteTag(validateModelName(name), parseVersion(version), key, writeContext(this.deps, caller));
  }

  /** Where the version's files are: its resolved storage location, else its source (as MLflow). */
  async getDownloadUri(name: string | undefined, version: VersionRef): Promise<string> {
    const mv = await this.get(name, version);
    return mv.storageLocation ?? mv.source;
  }

  async transitionStage(
    input: { name?: string | undefined; version: VersionRef; stage?: string | undefined; archiveExistingVersions?: boolean | undefined },
    caller: ChangeContext,
  ): Promise<ModelVersion> {
    const name = validateModelName(input.name);
    const version = parseVersion(input.version);
    if (input.stage === undefined || input.stage === '') throw new InvalidParameterError(`Missing value for required parameter 'stage'.`);
    const stage = canonicalStage(input.stage);
    const archive = input.archiveExistingVersions ?? false;
    if (archive && !ACTIVE_STAGES.includes(stage)) {
      throw new InvalidParameterError(
        `Model version transition cannot archive existing model versions because '${input.stage}' is not an Active stage. Valid stages are ${ACTIVE_STAGES.join(', ')}`,
      );
    }
    return this.stores.versions.transitionStage({ name, version, stage, archiveExistingVersions: archive }, writeContext(this.deps, caller));
  }

  async setAlias(name: string | undefined, alias: string | undefined, version: VersionRef, caller: ChangeContext): Promise<void> {
    const n = validateModelName(name);
    const a = validateAlias(alias);
    const v = parseVersion(version);
    await this.stores.aliases.set(n, a, v, writeContext(this.deps, caller));
  }

  async deleteAlias(name: string | undefined, alias: string | undefined, caller: ChangeContext): Promise<void> {
    await this.stores.aliases.delete(validateModelName(name), validateAlias(alias), writeContext(this.deps, caller));
  }

  /** A missing alias is INVALID_PARAMETER_VALUE (400), not 404: MLflow's answer, kept for its clients. */
  async getByAlias(name: string | undefined, alias: string | undefined): Promise<ModelVersion> {
    const n = validateModelName(name);
    const a = validateAlias(alias);
    const mv = await this.stores.aliases.resolve(n, a);
    if (!mv) throw new InvalidParameterError(`Registered model alias ${a} not found.`);
    return mv;
  }

  /**
   * Resolves `models:/name/<version>`, `/<Stage>`, `/latest` and `@alias` to a version and the URI
   * of its files. Logged-model URIs (`models:/m-…`) are not registry versions and are refused.
   */
  async resolveModelUri(uri: string): Promise<{ version: ModelVersion; downloadUri: string }> {
    const parsed = parseModelUri(uri);
    let mv: ModelVersion | undefined;
    switch (parsed.kind) {
      case 'version':
        mv = await this.get(parsed.name, parsed.version);
        break;
      case 'alias':
        mv = await this.getByAlias(parsed.name, parsed.alias);
        break;
      case 'latest':
      case 'stage': {
        const stage = parsed.kind === 'stage' ? canonicalStage(parsed.stage) : undefined;
        if (!(await this.stores.models.exists(parsed.name))) throw registeredModelNotFound(parsed.name);
        mv = await this.stores.versions.latest(parsed.name, stage);
        if (!mv) {
          throw new NotFoundError(
            stage ? `No versions of model with name '${parsed.name}' and stage '${stage}' found` : `No versions of model with name '${parsed.name}' found`,
          );
        }
        break;
      }
      case 'logged_model':
        throw new InvalidParameterError(`'${uri}' names a logged model, not a registered model version; resolve it with the logged-models API`);
    }
    return { version: mv, downloadUri: mv.storageLocation ?? mv.source };
  }

  /** Registration finished (files in place): PENDING_REGISTRATION → READY or FAILED_REGISTRATION. */
  async finishRegistration(name: string, version: number, status: Exclude<ModelVersionStatus, 'PENDING_REGISTRATION'>, message?: string): Promise<ModelVersion> {
    await this.stores.versions.setStatus(name, version, status, message ?? null, this.deps.now());
    return this.get(name, version);
  }
}
