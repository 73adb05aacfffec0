import type { Metric } from '../../../../domain/tracking.js';

/** A metric as MLflow's log-metric / log-batch messages carry it (step defaults to 0). */
export function metricFromMessage(m: {
  key: string;
  value: number;
  timestamp: number;
  step?: number | undefined;
  model_id?: string | undefined;
  dataset_name?: string | undefined;
  dataset_digest?: string | undefined;
}): Metric {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step ?? 0,
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
  };
}
