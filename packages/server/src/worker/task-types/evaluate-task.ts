import { isAbsolute, resolve } from 'node:path';
import { isObjectStoreUri } from '@modelyard/sdk';
import { SYSTEM_TAGS } from '../../domain/tracking.js';
import type { Metric, Param, Tag } from '../../domain/tracking.js';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { ModelVersionService } from '../../services/registry/model-version-service.js';
import type { RunService } from '../../services/tracking/run-service.js';
import { JOB_RUN_TAGS } from '../../services/pipelines/job-run-tracking.js';
import { ATTR } from '../../telemetry/attribute-names.js';
import { modelUriAttributes } from '../../telemetry/model-uri-attributes.js';
import { computeMetrics } from './evaluation-metrics.js';
import type { ScoredRows } from './evaluation-metrics.js';
import type { EvaluatedModel, EvaluationResult } from './evaluation-result.js';
import { TaskFailure } from './in-process-executor.js';
import type { TaskContext, TaskHandler } from './in-process-executor.js';
import { readLabeledData } from './labeled-data-source.js';
import type { LabeledData, ModelLoader } from './model-scoring.js';

export interface EvaluateTaskDeps {
  modelVersions: Pick<ModelVersionService, 'resolveModelUri'>;
  runs: Pick<RunService, 'create' | 'logBatch' | 'update'>;
  models: ModelLoader;
  now: () => number;
  /** The central registry `modelVersions` talks to, which the models load from too (absent: this server's). */
  registryUri?: string;
}

export const EVALUATION_TAGS = {
  taskKey: 'modelyard.task_key',
  role: 'modelyard.evaluation.role',
  modelName: 'modelyard.model_name',
  modelVersion: 'modelyard.model_version',
} as const;

/** Paths in a task are relative to the project folder; s3://, wasbs:// and abfss:// URIs are kept. */
export function projectPath(projectDir: string, path: string): string {
  // An object-store URI is where the data lives already, never a file below the project.
  if (isObjectStoreUri(path)) return path;
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

type Resolved = { name: string; version: number } | undefined;

/** A `models:/` URI's registry version; other URIs (runs:/, folders) have none. */
async function resolveVersion(deps: EvaluateTaskDeps, uri: string): Promise<Resolved> {
  if (!/^models:/i.test(uri)) return undefined;
  const { version } = await deps.modelVersions.resolveModelUri(uri);
  return { name: version.name, version: version.version };
}

function isMissingModel(e: unknown): boolean {
  // A missing alias is INVALID_PARAMETER_VALUE in MLflow's registry; a missing stage or model is a 404.
  return e instanceof NotFoundError || (e instanceof InvalidParameterError && /alias .* not found/i.test(e.message));
}

/**
 * Scores the challenger (and the champion, when there is one) on a labelled CSV, logs each one's
 * metrics to a child run of the job run's MLflow run, and keeps them as the task's result for a
 * gate. A champion URI that does not resolve yet (the first run of a project) is not an error:
 * the result says so and the gate applies its `when_no_champion` policy.
 */
export function evaluateTask(deps: EvaluateTaskDeps): TaskHandler {
  return async (ctx) => {
    const { request, log, signal } = ctx;
    if (request.task.type !== 'evaluate') throw new Error(`the evaluate handler got a '${request.task.type}' task`);
    const spec = request.task.evaluate;
    const dataPath = projectPath(request.projectDir, spec.dataPath);
    const data = await readLabeledData(dataPath, spec.targetColumn, signal);
    await log(`${data.rows} labelled rows from ${dataPath}`);

    let challengerVersion: Resolved;
    try {
      challengerVersion = await resolveVersion(deps, spec.challengerModelUri);
    } catch (e) {
      if (isMissingModel(e)) throw new TaskFailure(`challenger ${spec.challengerModelUri} does not resolve: ${(e as Error).message}`);
      throw e;
    }
    signal.throwIfAborted();
    const challenger = await evaluateOne(deps, ctx, 'challenger', spec.challengerModelUri, challengerVersion, data);

    let champion: EvaluatedModel | null = null;
    let championMissingReason: string | undefined;
    if (!spec.championModelUri) {
      championMissingReason = 'the task names no champion_model_uri';
    } else {
      let championVersion: Resolved;
      try {
        championVersion = await resolveVersion(deps, spec.championModelUri);
      } catch (e) {
        if (!isMissingModel(e)) throw e;
        championMissingReason = `${spec.championModelUri} does not exist yet (${(e as Error).message})`;
      }
      if (!championMissingReason) {
        signal.throwIfAborted();
        champion = await evaluateOne(deps, ctx, 'champion', spec.championModelUri, championVersion, data);
      }
    }
    if (championMissingReason) await log(`no champion: ${championMissingReason}`);
    const result: EvaluationResult = {
      kind: 'evaluation',
      modelType: spec.modelType,
      dataPath,
      rows: data.rows,
      challenger,
      champion,
      ...(championMissingReason ? { championMissingReason } : {}),
    };
    const show = (m: EvaluatedModel) =>
      `${m.name !== undefined ? `${m.name} v${m.version}` : m.uri}: ${Object.entries(m.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ')}`;
    const message = `challenger ${show(challenger)}${champion ? `; champion ${show(champion)}` : '; no champion yet'} (${data.rows} rows)`;
    return { message, result };
  };
}

async function evaluateOne(
  deps: EvaluateTaskDeps,
  ctx: TaskContext,
  role: 'challenger' | 'champion',
  uri: string,
  version: Resolved,
  data: LabeledData,
): Promise<EvaluatedModel> {
  const attributes = {
    ...modelUriAttributes(uri),
    ...(version ? { [ATTR.modelName]: version.name, [ATTR.modelVersion]: String(version.version) } : {}),
    [ATTR.evaluationRole]: role,
    [ATTR.rows]: data.rows,
  };
  return ctx.step(`evaluate ${role} ${uri}`, attributes, () => scoreAndLog(deps, ctx, role, uri, version, data));
}

async function scoreAndLog(
  deps: EvaluateTaskDeps,
  ctx: TaskContext,
  role: 'challenger' | 'champion',
  uri: string,
  version: Resolved,
  data: LabeledData,
): Promise<EvaluatedModel> {
  const { request, log } = ctx;
  const spec = request.task.type === 'evaluate' ? request.task.evaluate : undefined;
  if (!spec) throw new Error('not an evaluate task');
  const started = deps.now();
  const model = await deps.models.load(uri, deps.registryUri ? { registryUri: deps.registryUri } : undefined);
  let scored: ScoredRows;
  try {
    scored = await model.predict(data.features);
  } catch (e) {
    throw new TaskFailure(`${role} ${uri} could not score ${data.rows} rows: ${(e as Error).message}`);
  } finally {
    await model.close();
  }
  let metrics: Record<string, number>;
  try {
    metrics = computeMetrics(spec.modelType, spec.metrics, data.target, scored);
  } catch (e) {
    throw new TaskFailure(`${role} ${uri}: ${(e as Error).message}`);
  }
  const evaluated: EvaluatedModel = { uri, ...(version ? { name: version.name, version: version.version } : {}), metrics };
  const runId = await logEvaluationRun(deps, ctx, role, evaluated, data.rows, started);
  if (runId) evaluated.runId = runId;
  await log(`${role} ${uri}${version ? ` (${version.name} v${version.version})` : ''}: ${JSON.stringify(metrics)}${runId ? ` → MLflow run ${runId}` : ''}`);
  return evaluated;
}

/** One child run per evaluated model, under the job run's MLflow run, so the UI nests them. */
async function logEvaluationRun(
  deps: EvaluateTaskDeps,
  ctx: TaskContext,
  role: 'challenger' | 'champion',
  m: EvaluatedModel,
  rows: number,
  started: number,
): Promise<string | undefined> {
  const { request } = ctx;
  const experimentId = request.env.MLFLOW_EXPERIMENT_ID;
  const parentRunId = request.env.MLFLOW_RUN_ID;
  if (!experimentId) return undefined;
  const spec = request.task.type === 'evaluate' ? request.task.evaluate : undefined;
  const tags: Tag[] = [
    { key: SYSTEM_TAGS.sourceType, value: 'JOB' },
    { key: JOB_RUN_TAGS.jobRunId, value: String(request.jobRunId) },
    { key: EVALUATION_TAGS.taskKey, value: request.taskKey },
    { key: EVALUATION_TAGS.role, value: role },
    { key: SYSTEM_TAGS.user, value: ctx.actor },
    ...(parentRunId ? [{ key: SYSTEM_TAGS.parentRunId, value: parentRunId }] : []),
    ...(m.name !== undefined ? [{ key: EVALUATION_TAGS.modelName, value: m.name }, { key: EVALUATION_TAGS.modelVersion, value: String(m.version) }] : []),
  ];
  const run = await deps.runs.create({ experimentId, runName: `${request.taskKey}-${role}`, startTime: started, tags });
  const runId = run.info.runId;
  const now = deps.now();
  const params: Param[] = [
    { key: 'model_uri', value: m.uri },
    { key: 'data_path', value: spec?.dataPath ?? '' },
    { key: 'target_column', value: spec?.targetColumn ?? '' },
    { key: 'model_type', value: spec?.modelType ?? '' },
    { key: 'rows', value: String(rows) },
  ];
  const metrics: Metric[] = Object.entries(m.metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 }));
  await deps.runs.logBatch(runId, { metrics, params });
  await deps.runs.update(runId, { status: 'FINISHED', endTime: deps.now() });
  return runId;
}
