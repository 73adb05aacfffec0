import type { ViewType } from '@modelyard/contract';
import { LIMITS, excerpt } from '@modelyard/contract';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { Experiment, Tag } from '../../domain/tracking.js';
import { validateExperimentName, validateKey, validateTagValue } from '../../domain/tracking-validation.js';
import { joinArtifactUri } from './tracking-stores.js';
import type { ArtifactLocationPolicy } from '../../artifacts/artifact-location-policy.js';
import type { TrackingServiceDeps } from './tracking-stores.js';

export const DEFAULT_EXPERIMENT_ID = '0';

/** MLflow's refusals of work in an experiment that is missing or deleted; returns it when active. */
export function requireActiveExperiment<E extends { lifecycleStage: string }>(experimentId: string, exp: E | undefined): E {
  if (!exp) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
  if (exp.lifecycleStage !== 'active') {
    throw new InvalidParameterError(`The experiment ${experimentId} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  }
  return exp;
}

/** Experiments: MLflow's lifecycle rules on top of the experiment store. */
export interface ExperimentServiceDeps extends TrackingServiceDeps {
  /** Which artifact locations a client may give an experiment (the artifact repositories' policy). */
  locations: ArtifactLocationPolicy;
}

export class ExperimentService {
  private readonly locations: ArtifactLocationPolicy;

  constructor(private readonly deps: ExperimentServiceDeps) {
    this.locations = deps.locations;
  }

  private get store() {
    return this.deps.stores.experiments;
  }

  /** The location a new experiment gets when the client names none: `<default root>/<id>`. */
  private locationFor(experimentId: string): string {
    return joinArtifactUri(this.deps.config.defaultArtifactRoot, experimentId);
  }

  /** Migration 002 creates `Default` without a location: it depends on this server's config. */
  async ensureDefaultExperiment(): Promise<void> {
    const exp = await this.store.get(DEFAULT_EXPERIMENT_ID);
    if (exp && exp.artifactLocation === '') {
      await this.store.setArtifactLocation(DEFAULT_EXPERIMENT_ID, this.locationFor(DEFAULT_EXPERIMENT_ID));
    }
  }

  async create(input: { name?: string; artifactLocation?: string; tags?: Tag[] }): Promise<string> {
    const name = validateExperimentName(input.name);
    const tags = input.tags ?? [];
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value, LIMITS.maxExperimentTagValueLength);
    }
    const artifactLocation = input.artifactLocation && input.artifactLocation !== '' ? input.artifactLocation : null;
    if (artifactLocation !== null) this.locations.check(artifactLocation, 'artifact_location');
    return this.store.create({ name, artifactLocation, tags, now: this.deps.now() }, (id) => this.locationFor(id));
  }

  async get(experimentId: string): Promise<Experiment> {
    const exp = await this.store.get(experimentId);
    if (!exp) throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    return exp;
  }

  async getByName(name: string): Promise<Experiment> {
    const exp = await this.store.getByName(name);
    if (!exp) throw new NotFoundError(`Could not find experiment with name '${excerpt(name)}'`);
    return exp;
  }

  async getActive(experimentId: string): Promise<Experiment> {
    return requireActiveExperiment(experimentId, await this.store.get(experimentId));
  }

  search(q: { filter?: string; orderBy?: string[]; viewType?: ViewType; maxResults?: number; pageToken?: string }) {
    return this.store.search({
      viewType: q.viewType ?? 'ACTIVE_ONLY',
      maxResults: q.maxResults ?? LIMITS.defaultSearchResults,
      ...(q.filter !== undefined ? { filter: q.filter } : {}),
      ...(q.orderBy !== undefined ? { orderBy: q.orderBy } : {}),
      ...(q.pageToken !== undefined ? { pageToken: q.pageToken } : {}),
    });
  }

  async rename(experimentId: string, newName: string | undefined): Promise<void> {
    const exp = await this.get(experimentId);
    const name = validateExperimentName(newName);
    if (exp.lifecycleStage !== 'active') throw new InvalidParameterError('Cannot rename a non-active experiment.');
    if (name === exp.name) return;
    await this.store.rename(experimentId, name, this.deps.now());
  }

  async delete(experimentId: string): Promise<void> {
    await this.get(experimentId);
    await this.store.setLifecycle(experimentId, 'deleted', this.deps.now());
  }

  async restore(experimentId: string): Promise<void> {
    const exp = await this.get(experimentId);
    if (exp.lifecycleStage === 'active') return;
    await this.store.setLifecycle(experimentId, 'active', this.deps.now());
  }

  async setTag(experimentId: string, tag: Tag): Promise<void> {
    validateKey('tag', tag.key);
    validateTagValue(tag.key, tag.value, LIMITS.maxExperimentTagValueLength);
    await this.getActive(experimentId);
    await this.store.setTag(experimentId, tag);
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    await this.getActive(experimentId);
    const deleted = await this.store.deleteTag(experimentId, key);
    if (!deleted) throw new NotFoundError(`No tag with name: ${key} in experiment with id ${experimentId}`);
  }
}
