import { newRowId } from '../../domain/row-ids.js';
import type { LoggedModelStatus } from '@modelyard/contract';
import { excerpt } from '@modelyard/contract';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { LoggedModel, Param, Tag } from '../../domain/tracking.js';
import { generateRunName } from '../../domain/run-names.js';
import type { LoggedModelOrderByInput } from '../../domain/search/logged-model-order-by.js';
import { validateKey, validateParamValue, validateTagValue } from '../../domain/tracking-validation.js';
import type { LoggedModelStore } from '../../stores/tracking/logged-model-store.js';
import { joinArtifactUri } from './tracking-stores.js';
import type { TrackingServiceDeps, TrackingStores } from './tracking-stores.js';

export interface LoggedModelServiceDeps extends Omit<TrackingServiceDeps, 'stores'> {
  stores: TrackingStores & { loggedModels: LoggedModelStore };
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

export interface SearchLoggedModelsInput {
  experimentIds?: string[];
  filter?: string;
  orderBy?: LoggedModelOrderByInput[];
  datasets?: Array<{ datasetName: string; datasetDigest?: string }>;
  maxResults?: number;
  pageToken?: string;
}

/** SearchLoggedModels' default page size (service.proto: `max_results` defaults to 50). */
export const DEFAULT_LOGGED_MODEL_RESULTS = 50;

/** The states FinalizeLoggedModel may move a model to (service.proto documents exactly these two). */
const FINAL_STATUSES: ReadonlySet<LoggedModelStatus> = new Set(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']);

/** MLflow refuses these in a logged model's name: it becomes part of `models:/` URIs and paths. */
const NAME_FORBIDDEN_CHARS = ['/', ':', '.', '%', '"', "'"] as const;
const MAX_NAME_LENGTH = 500;
const MAX_MODEL_TYPE_LENGTH = 500;
const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * MLflow 3 logged models: a model gets its id and artifact folder (`<experiment location>/models/
 * <model_id>/artifacts`) first, in state PENDING, the client uploads the files there, then
 * finalizes it READY (or UPLOAD_FAILED).
 */
export class LoggedModelService {
  constructor(private readonly deps: LoggedModelServiceDeps) {}

  private get store() {
    return this.deps.stores.loggedModels;
  }

  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const name = input.name === undefined || input.name === '' ? generateRunName() : validateName(input.name);
    if (input.modelType !== undefined && input.modelType.length > MAX_MODEL_TYPE_LENGTH) {
      throw new InvalidParameterError(`'model_type' is ${input.modelType.length} characters long; the limit is ${MAX_MODEL_TYPE_LENGTH}.`);
    }
    const params = input.params ?? [];
    const tags = input.tags ?? [];
    validateParams(params);
    validateTags(tags);
    const experiment = await this.deps.stores.experiments.get(input.experimentId);
    if (!experiment) throw new NotFoundError(`No Experiment with id=${input.experimentId} exists`);
    if (experiment.lifecycleStage !== 'active') {
      throw new InvalidParameterError(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    const sourceRunId = input.sourceRunId === '' ? undefined : input.sourceRunId;
    if (sourceRunId !== undefined) await this.checkSourceRun(sourceRunId);
    const modelId = `m-${newRowId()}`;
    const now = this.deps.now();
    await this.store.create({
      modelId,
      experimentId: experiment.experimentId,
      name,
      artifactUri: joinArtifactUri(experiment.artifactLocation, 'models', modelId, 'artifacts'),
      ...(input.modelType ? { modelType: input.modelType } : {}),
      ...(sourceRunId !== undefined ? { sourceRunId } : {}),
      params,
      tags,
      now,
    });
    return this.get(modelId);
  }

  /** A deleted model answers RESOURCE_DOES_NOT_EXIST, as MLflow's stores do. */
  async get(modelId: string | undefined): Promise<LoggedModel> {
    const id = requireModelId(modelId);
    const model = await this.store.get(id);
    if (!model || model.lifecycleStage !== 'active') throw new NotFoundError(`Logged model with ID '${excerpt(id)}' not found.`);
    return model;
  }

  async finalize(modelId: string | undefined, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!FINAL_STATUSES.has(status)) {
      throw new InvalidParameterError(
        `Invalid value "${status}" for parameter 'status' supplied: a logged model can only be finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
      );
    }
    const model = await this.get(modelId);
    await this.store.setStatus(model.modelId, status, this.deps.now());
    return this.get(model.modelId);
  }

  async setTags(modelId: string | undefined, tags: Tag[]): Promise<LoggedModel> {
    validateTags(tags);
    const model = await this.get(modelId);
    await this.store.setTags(model.modelId, tags, this.deps.now());
    return this.get(model.modelId);
  }

  async deleteTag(modelId: string | undefined, key: string | undefined): Promise<void> {
    if (key === undefined || key === '') {
      throw new InvalidParameterError("Missing value for required parameter 'tag_key'. Name the tag to delete in the URL: /logged-models/{model_id}/tags/{tag_key}.");
    }
    const model = await this.get(modelId);
    const deleted = await this.store.deleteTag(model.modelId, key, this.deps.now());
    if (!deleted) throw new NotFoundError(`No tag with key '${excerpt(key)}' found for logged model with ID '${model.modelId}'.`);
  }

  async logParams(modelId: string | undefined, params: Param[]): Promise<void> {
    validateParams(params);
    const model = await this.get(modelId);
    if (params.length === 0) return;
    await this.store.logParams(model.modelId, params, this.deps.now());
  }

  async delete(modelId: string | undefined): Promise<void> {
    const model = await this.get(modelId);
    await this.store.setLifecycle(model.modelId, 'deleted', this.deps.now());
  }

  async search(q: SearchLoggedModelsInput): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
    return this.store.search({
      experimentIds: q.experimentIds ?? [],
      maxResults: q.maxResults ?? DEFAULT_LOGGED_MODEL_RESULTS,
      ...(q.filter !== undefined && q.filter !== '' ? { filter: q.filter } : {}),
      ...(q.orderBy !== undefined ? { orderBy: q.orderBy } : {}),
      ...(q.datasets !== undefined ? { datasets: q.datasets } : {}),
      ...(q.pageToken !== undefined && q.pageToken !== '' ? { pageToken: q.pageToken } : {}),
    });
  }

  private async checkSourceRun(runId: string): Promise<void> {
    // The column holds a run id; anything else could only be a client mistake.
    if (!RUN_ID.test(runId) || !(await this.deps.stores.runs.getInfo(runId))) {
      throw new NotFoundError(`Run with id=${excerpt(runId)} not found: 'source_run_id' must name an existing run.`);
    }
  }
}

function requireModelId(modelId: string | undefined): string {
  if (modelId === undefined || modelId === '') {
    throw new InvalidParameterError("Missing value for required parameter 'model_id'. See the API docs for more information about request parameters.");
  }
  return modelId;
}

function validateName(name: string): string {
  const bad = NAME_FORBIDDEN_CHARS.filter((c) => name.includes(c));
  if (bad.length > 0) {
    throw new InvalidParameterError(
      `Invalid model name '${excerpt(name)}': it contains ${bad.map((c) => `'${c}'`).join(', ')}. A logged model name must not contain any of ${NAME_FORBIDDEN_CHARS.map((c) => `'${c}'`).join(' ')}.`,
    );
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidParameterError(`Logged model name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}.`);
  }
  return name;
}

function validateParams(params: Param[]): void {
  for (const p of params) {
    validateKey('param', p.key);
    validateParamValue(p.key, p.value);
  }
}

function validateTags(tags: Tag[]): void {
  for (const t of tags) {
    validateKey('tag', t.key);
    validateTagValue(t.key, t.value);
  }
}
