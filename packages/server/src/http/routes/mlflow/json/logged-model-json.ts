import type { LoggedModel } from '../../../../domain/tracking.js';
import { compact, metricToJson, paramsToJson, tagsToJson } from './tracking-json.js';

/**
 * service.proto's LoggedModel: `info` (LoggedModelInfo, with the tags) and `data` (params and
 * the metrics runs logged against the model). The lifecycle stage is not part of the message:
 * deleted models are simply not returned.
 */
export function loggedModelToJson(m: LoggedModel): Record<string, unknown> {
  return {
    info: compact({
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTimestampMs,
      last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
      artifact_uri: m.artifactUri,
      status: m.status,
      model_type: m.modelType,
      source_run_id: m.sourceRunId,
      status_message: m.statusMessage,
      tags: tagsToJson(m.tags),
    }),
    // MLflow's LoggedModel.to_proto always sets `data`, so its JSON has `"data": {}` for a
    // model without params or metrics; clients may rely on the key being there.
    data: compact({
      params: paramsToJson(m.params),
      metrics: m.metrics.map(metricToJson),
    }),
  };
}
