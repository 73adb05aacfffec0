import { canonicalStage, MODEL_STAGES, registeredModelNotFound } from '../../domain/registry.js';
import type { ChangeContext, ModelVersion, RegisteredModel } from '../../domain/registry.js';
import type { Tag } from '../../domain/tracking.js';
import { REGISTERED_MODEL_SEARCH } from '../../stores/registry/registry-search.js';
import { writeContext } from './registry-deps.js';
import type { RegistryServiceDeps } from './registry-deps.js';
import { dedupeTags, validateDescription, validateModelName, validateRegistryTag } from './registry-validation.js';

export interface SearchRegistryInput {
  filter?: string | undefined;
  orderBy?: readonly string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/** Registered models: MLflow's rules on top of the registry stores. */
export class RegisteredModelService {
  constructor(private readonly deps: RegistryServiceDeps) {}

  private get store() {
    return this.deps.stores.models;
  }

  async create(input: { name?: string; tags?: Tag[]; description?: string }, caller: ChangeContext): Promise<RegisteredModel> {
    const name = validateModelName(input.name);
    const tags = dedupeTags(input.tags ?? []);
    for (const t of tags) validateRegistryTag(t);
    const description = validateDescription(input.description);
    return this.store.create({ name, tags, description }, writeContext(this.deps, caller));
  }

  async get(name: string | undefined): Promise<RegisteredModel> {
    const valid = validateModelName(name);
    const model = await this.store.get(valid);
    if (!model) throw registeredModelNotFound(valid);
    return model;
  }

  async rename(name: string | undefined, newName: string | undefined, caller: ChangeContext): Promise<RegisteredModel> {
    const from = validateModelName(name);
    const to = validateModelName(newName, 'new_name');
    if (from !== to) await this.store.rename(from, to, writeContext(this.deps, caller));
    return this.get(to);
  }

  /** Without a description nothing changes but the update time; `''` clears it. */
  async update(name: string | undefined, description: string | undefined): Promise<RegisteredModel> {
    const valid = validateModelName(name);
    const current = await this.get(valid);
    const next = description === undefined ? current.description : validateDescription(description);
    await this.store.updateDescription(valid, next, this.deps.now());
    return this.get(valid);
  }

  async delete(name: string | undefined, caller: ChangeContext): Promise<void> {
    await this.store.delete(validateModelName(name), writeContext(this.deps, caller));
  }

  search(q: SearchRegistryInput): Promise<{ models: RegisteredModel[]; nextPageToken?: string }> {
    return this.store.search({
      filter: q.filter,
      orderBy: q.orderBy,
      maxResults: q.maxResults ?? REGISTERED_MODEL_SEARCH.defaultMaxResults,
      pageToken: q.pageToken,
    });
  }

  async setTag(name: string | undefined, tag: Tag): Promise<void> {
    const valid = validateModelName(name);
    validateRegistryTag(tag);
    await this.store.setTag(valid, tag);
  }

  async deleteTag(name: string | undefined, key: string): Promise<void> {
    await this.store.deleteTag(validateModelName(name), key);
  }

  /**
   * The newest version in each requested stage (every stage, None and Archived included, when
   * none is named), oldest version first.
   */
  async getLatestVersions(name: string | undefined, stages?: readonly string[]): Promise<ModelVersion[]> {
    const model = await this.get(name);
    const wanted = new Set(stages && stages.length > 0 ? stages.map(canonicalStage) : MODEL_STAGES);
    return model.latestVersions.filter((v) => wanted.has(v.currentStage));
  }
}
