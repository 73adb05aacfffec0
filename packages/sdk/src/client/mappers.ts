import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  Stage,
} from '../entities.js';

/** MLflow's JSON (snake_case, lists of key/value pairs) → SDK entities. */

type Json = Record<string, any>;

export function kvToRecord(list: Array<{ key: string; value?: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) out[kv.key] = kv.value ?? '';
  return out;
}

export function recordToKv(rec: Record<string, string | number | boolean> | undefined): Array<{ key: string; value: string }> {
  return Object.entries(rec ?? {}).map(([key, value]) => ({ key, value: String(value) }));
}

/** protobuf JSON spells non-finite doubles as strings. */
export function jsonDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

export function toJsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return v;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

export function toExperiment(j: Json): Experiment {
  return {
    experimentId: String(j.experiment_id),
    name: j.name,
    artifactLocation: j.artifact_location ?? '',
    lifecycleStage: j.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    ...(j.creation_time !== undefined ? { creationTime: Number(j.creation_time) } : {}),
    ...(j.last_update_time !== undefined ? { lastUpdateTime: Number(j.last_update_time) } : {}),
    tags: kvToRecord(j.tags),
  };
}

export function toRunInfo(j: Json): RunInfo {
  return {
    runId: j.run_id ?? j.run_uuid,
    runName: j.run_name ?? '',
    experimentId: String(j.experiment_id),
    userId: j.user_id ?? '',
    status: j.status,
    ...(j.start_time !== undefined ? { startTime: Number(j.start_time) } : {}),
    ...(j.end_time !== undefined ? { endTime: Number(j.end_time) } : {}),
    artifactUri: j.artifact_uri ?? '',
    lifecycleStage: j.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

export function toMetric(j: Json): Metric {
  return {
    key: j.key,
    value: jsonDouble(j.value),
    timestamp: Number(j.timestamp ?? 0),
    step: Number(j.step ?? 0),
    ...(j.run_id ? { runId: j.run_id } : {}),
  };
}

function toDatasetInput(j: Json): DatasetInput {
  const d = j.dataset ?? {};
  return {
    dataset: {
      name: d.name,
      digest: d.digest,
      sourceType: d.source_type,
      source: d.source,
      ...(d.schema !== undefined ? { schema: d.schema } : {}),
      ...(d.profile !== undefined ? { profile: d.profile } : {}),
    },
    tags: kvToRecord(j.tags),
  };
}

export function toRun(j: Json): Run {
  const latestMetrics: Metric[] = (j.data?.metrics ?? []).map(toMetric);
  const metrics: Record<string, number> = {};
  for (const m of latestMetrics) metrics[m.key] = m.value;
  return {
    info: toRunInfo(j.info),
    data: { metrics, latestMetrics, params: kvToRecord(j.data?.params), tags: kvToRecord(j.data?.tags) },
    inputs: { datasetInputs: (j.inputs?.dataset_inputs ?? []).map(toDatasetInput) },
  };
}

export function toFileInfo(j: Json): FileInfo {
  return { path: j.path, isDir: Boolean(j.is_dir), ...(j.file_size !== undefined ? { fileSize: Number(j.file_size) } : {}) };
}

export function toLoggedModel(j: Json): LoggedModel {
  const info = j.info ?? {};
  return {
    modelId: info.model_id,
    experimentId: String(info.experiment_id),
    name: info.name,
    artifactUri: info.artifact_uri,
    status: info.status,
    creationTimestampMs: Number(info.creation_timestamp_ms ?? 0),
    lastUpdatedTimestampMs: Number(info.last_updated_timestamp_ms ?? 0),
    ...(info.source_run_id ? { sourceRunId: info.source_run_id } : {}),
    ...(info.model_type ? { modelType: info.model_type } : {}),
    tags: kvToRecord(info.tags),
    params: kvToRecord(j.data?.params),
  };
}

export function toModelVersion(j: Json): ModelVersion {
  return {
    name: j.name,
    version: String(j.version),
    ...(num(j.creation_timestamp) !== undefined ? { creationTimestamp: num(j.creation_timestamp)! } : {}),
    ...(num(j.last_updated_timestamp) !== undefined ? { lastUpdatedTimestamp: num(j.last_updated_timestamp)! } : {}),
    currentStage: (j.current_stage ?? 'None') as Stage,
    ...(j.description ? { description: j.description } : {}),
    ...(j.user_id ? { userId: j.user_id } : {}),
    source: j.source ?? '',
    ...(j.run_id ? { runId: j.run_id } : {}),
    ...(j.run_link ? { runLink: j.run_link } : {}),
    ...(j.model_id ? { modelId: j.model_id } : {}),
    status: j.status ?? 'READY',
    ...(j.status_message ? { statusMessage: j.status_message } : {}),
    tags: kvToRecord(j.tags),
    aliases: j.aliases ?? [],
  };
}

export function toRegisteredModel(j: Json): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of j.aliases ?? []) aliases[a.alias] = String(a.version);
  return {
    name: j.name,
    ...(num(j.creation_timestamp) !== undefined ? { creationTimestamp: num(j.creation_timestamp)! } : {}),
    ...(num(j.last_updated_timestamp) !== undefined ? { lastUpdatedTimestamp: num(j.last_updated_timestamp)! } : {}),
    ...(j.description ? { description: j.description } : {}),
    latestVersions: (j.latest_versions ?? []).map(toModelVersion),
    tags: kvToRecord(j.tags),
    aliases,
  };
}
