import type { Kysely, Selectable, Transaction } from 'kysely';
import type { LifecycleStage, LoggedModelStatus } from '@modelyard/contract';
import type { DbCaps } from '../../db/connect.js';
import type { Database, LoggedModelsTable } from '../../db/schema.js';
import { InvalidParameterError } from '../../errors.js';
import type { LoggedModel, Metric, Param, Tag } from '../../domain/tracking.js';
import type { LoggedModelOrderByInput } from '../../domain/search/logged-model-order-by.js';
import { searchLoggedModelIds } from './logged-model-search.js';

export interface NewLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  modelType?: string;
  sourceRunId?: string;
  params: Param[];
  tags: Tag[];
  now: number;
}

export interface LoggedModelSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: LoggedModelOrderByInput[];
  datasets?: Array<{ datasetName: string; datasetDigest?: string }>;
  maxResults: number;
  pageToken?: string;
}

/**
 * MLflow 3 logged models with their tags, params and the metrics runs logged against them.
 * Deletion is soft (lifecycle_stage), as in MLflow: the row and its artifacts stay, and the
 * service hides it from reads.
 */
export class LoggedModelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  async create(m: NewLoggedModel): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('logged_models')
        .values({
          model_id: m.modelId,
          experiment_id: Number(m.experimentId),
          name: m.name,
          artifact_location: m.artifactUri,
          creation_timestamp_ms: m.now,
          last_updated_timestamp_ms: m.now,
          status: 'LOGGED_MODEL_PENDING',
          status_message: null,
          lifecycle_stage: 'active',
          model_type: m.modelType ?? null,
          source_run_id: m.sourceRunId ?? null,
        })
        .execute();
      await upsertTags(tx, m.modelId, m.tags);
      await insertParams(tx, m.modelId, m.params);
    });
  }

  /** The model whatever its lifecycle stage; undefined when the id was never created. */
  async get(modelId: string): Promise<LoggedModel | undefined> {
    const [model] = await this.load([modelId]);
    return model;
  }

  /** Loads models with tags, params and metrics, in the order of `ids` (unknown ids are skipped). */
  async load(ids: string[]): Promise<LoggedModel[]> {
    if (ids.length === 0) return [];
    const [rows, tags, params, metrics] = await Promise.all([
      this.db.selectFrom('logged_models').selectAll().where('model_id', 'in', ids).execute(),
      this.db
        .selectFrom('logged_model_tags')
        .select(['model_id', 'tag_key', 'tag_value'])
        .where('model_id', 'in', ids)
        .orderBy('tag_key')
        .execute(),
      this.db
        .selectFrom('logged_model_params')
        .select(['model_id', 'param_key', 'param_value'])
        .where('model_id', 'in', ids)
        .orderBy('param_key')
        .execute(),
      this.db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('metric_name')
        .orderBy('metric_step')
        .orderBy('metric_timestamp_ms')
        .orderBy('run_id')
        .execute(),
    ]);
    const byId = new Map(rows.map((r) => [r.model_id, toLoggedModel(r)]));
    for (const t of tags) byId.get(t.model_id)?.tags.push({ key: t.tag_key, value: t.tag_value });
    for (const p of params) byId.get(p.model_id)?.params.push({ key: p.param_key, value: p.param_value });
    for (const r of metrics) {
      const metric: Metric = {
        key: r.metric_name,
        value: r.is_nan ? Number.NaN : Number(r.metric_value),
        timestamp: Number(r.metric_timestamp_ms),
        step: Number(r.metric_step),
        runId: r.run_id,
        modelId: r.model_id,
        ...(r.dataset_name !== null ? { datasetName: r.dataset_name } : {}),
        ...(r.dataset_digest !== null ? { datasetDigest: r.dataset_digest } : {}),
      };
      byId.get(r.model_id)?.metrics.push(metric);
    }
    return ids.map((id) => byId.get(id)).filter((m): m is LoggedModel => m !== undefined);
  }

  async search(q: LoggedModelSearch): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
    const page = await searchLoggedModelIds(this.db, this.caps, q);
    const models = await this.load(page.modelIds);
    return page.nextPageToken ? { models, nextPageToken: page.nextPageToken } : { models };
  }

  async setStatus(modelId: string, status: LoggedModelStatus, now: number): Promise<void> {
    await this.db
      .updateTable('logged_models')
      .set({ status, last_updated_timestamp_ms: now })
      .where('model_id', '=', modelId)
      .execute();
  }

  /** Adds or overwrites tags: tags are the mutable part of a logged model. */
  async setTags(modelId: string, tags: Tag[], now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await upsertTags(tx, modelId, tags);
      await touch(tx, modelId, now);
    });
  }

  /** False when the model has no tag with that key. */
  async deleteTag(modelId: string, key: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx
        .deleteFrom('logged_model_tags')
        .where('model_id', '=', modelId)
        .where('tag_key', '=', key)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      await touch(tx, modelId, now);
      return true;
    });
  }

  /** Params are immutable: logging a key again with the same value is a no-op, with another value an error. */
  async logParams(modelId: string, params: Param[], now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await insertParams(tx, modelId, params);
      await touch(tx, modelId, now);
    });
  }

  async setLifecycle(modelId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.db
      .updateTable('logged_models')
      .set({ lifecycle_stage: stage, last_updated_timestamp_ms: now })
      .where('model_id', '=', modelId)
      .execute();
  }
}

async function touch(tx: Transaction<Database>, modelId: string, now: number): Promise<void> {
  await tx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
}

async function upsertTags(tx: Transaction<Database>, modelId: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) return;
  // The last value of a key repeated within one request wins, as it would with one call per tag.
  const latest = new Map(tags.map((t) => [t.key, t.value]));
  await tx
    .insertInto('logged_model_tags')
    .values([...latest].map(([key, value]) => ({ model_id: modelId, tag_key: key, tag_value: value })))
    .onConflict((oc) => oc.columns(['model_id', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
    .execute();
}

/**
 * Inserts params, keeping existing ones, then reads back what is stored for those keys: a key
 * that already held another value (from an earlier call, a concurrent one, or twice in this
 * request) fails the whole transaction, so nothing of the request is written.
 */
async function insertParams(tx: Transaction<Database>, modelId: string, params: Param[]): Promise<void> {
  if (params.length === 0) return;
  await tx
    .insertInto('logged_model_params')
    .values(params.map((p) => ({ model_id: modelId, param_key: p.key, param_value: p.value })))
    .onConflict((oc) => oc.columns(['model_id', 'param_key']).doNothing())
    .execute();
  const stored = await tx
    .selectFrom('logged_model_params')
    .select(['param_key', 'param_value'])
    .where('model_id', '=', modelId)
    .where(
      'param_key',
      'in',
      params.map((p) => p.key),
    )
    .execute();
  const storedValues = new Map(stored.map((r) => [r.param_key, r.param_value]));
  for (const p of params) {
    const existing = storedValues.get(p.key);
    if (existing !== undefined && existing !== p.value) {
      throw new InvalidParameterError(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing}' for logged model ID='${modelId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
}

function toLoggedModel(r: Selectable<LoggedModelsTable>): LoggedModel {
  return {
    modelId: r.model_id,
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactUri: r.artifact_location,
    creationTimestampMs: Number(r.creation_timestamp_ms),
    lastUpdatedTimestampMs: Number(r.last_updated_timestamp_ms),
    status: r.status as LoggedModelStatus,
    lifecycleStage: r.lifecycle_stage as LifecycleStage,
    ...(r.status_message !== null ? { statusMessage: r.status_message } : {}),
    ...(r.model_type !== null ? { modelType: r.model_type } : {}),
    ...(r.source_run_id !== null ? { sourceRunId: r.source_run_id } : {}),
    tags: [],
    params: [],
    metrics: [],
  };
}
