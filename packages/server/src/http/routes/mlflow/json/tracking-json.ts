import type { DatasetInput, Experiment, Metric, ModelIo, Param, Run, RunInfo, Tag } from '../../../../domain/tracking.js';
import { compact } from '../../../../domain/compact-json.js';
export { compact };

/**
 * Tracking entities → MLflow's JSON (protobuf's JSON mapping, which MLflow's server uses): unset
 * fields and empty lists are left out, and non-finite doubles are the strings "NaN", "Infinity",
 * "-Infinity" because JSON has no literal for them.
 */

export function doubleToJson(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return v;
}

export function tagsToJson(tags: Tag[]): Array<{ key: string; value: string }> {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

export function paramsToJson(params: Param[]): Array<{ key: string; value: string }> {
  return params.map((p) => ({ key: p.key, value: p.value }));
}

export function metricToJson(m: Metric): Record<string, unknown> {
  return compact({
    key: m.key,
    value: doubleToJson(m.value),
    timestamp: m.timestamp,
    step: m.step,
    run_id: m.runId,
    model_id: m.modelId,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
  });
}

export function experimentToJson(e: Experiment): Record<string, unknown> {
  return compact({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagsToJson(e.tags),
  });
}

export function runInfoToJson(info: RunInfo): Record<string, unknown> {
  return compact({
    run_id: info.runId,
    // Deprecated in MLflow's proto but still sent: older clients read it.
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    end_time: info.endTime,
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  });
}

function datasetInputToJson(d: DatasetInput): Record<string, unknown> {
  return compact({
    tags: tagsToJson(d.tags),
    dataset: compact({
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      schema: d.dataset.schema,
      profile: d.dataset.profile,
    }),
  });
}

function modelIoToJson(m: ModelIo): Record<string, unknown> {
  return compact({ model_id: m.modelId, step: m.step });
}

export function runToJson(run: Run): Record<string, unknown> {
  return compact({
    info: runInfoToJson(run.info),
    data: compact({
      metrics: run.data.metrics.map(metricToJson),
      params: paramsToJson(run.data.params),
      tags: tagsToJson(run.data.tags),
    }),
    inputs: compact({
      dataset_inputs: run.inputs.datasetInputs.map(datasetInputToJson),
      model_inputs: run.inputs.modelInputs.map(modelIoToJson),
    }),
    outputs: compact({ model_outputs: run.outputs.modelOutputs.map(modelIoToJson) }),
  });
}
