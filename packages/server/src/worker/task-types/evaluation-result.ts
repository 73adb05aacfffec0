/**
 * What an `evaluate` task keeps on its task run, and what a `gate` reads back. It is stored as
 * JSON (task_run.result_json), so the reader checks the shape instead of trusting a cast: a run
 * evaluated by an older build, or a result edited by hand, must give a clear reason, not a crash.
 */
export interface EvaluatedModel {
  /** The URI as written in the task (`models:/diabetes@challenger`). */
  uri: string;
  /** The registered model and version it resolved to, when it is a `models:/` URI. */
  name?: string;
  version?: number;
  /** The MLflow run the metrics were logged to. */
  runId?: string;
  metrics: Record<string, number>;
}

export interface EvaluationResult {
  kind: 'evaluation';
  modelType: 'classifier' | 'regressor';
  dataPath: string;
  rows: number;
  challenger: EvaluatedModel;
  /** Null when there is no champion to compare with (no `champion_model_uri`, or it does not resolve yet). */
  champion: EvaluatedModel | null;
  /** Why `champion` is null, in words (e.g. "models:/diabetes@champion does not exist yet: …"). */
  championMissingReason?: string;
}

function isMetrics(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'number');
}

function isEvaluatedModel(v: unknown): v is EvaluatedModel {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m.uri === 'string' && isMetrics(m.metrics);
}

/** The evaluation stored on a task run, or undefined when the value is not one. */
export function readEvaluationResult(value: unknown): EvaluationResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (r.kind !== 'evaluation' || !isEvaluatedModel(r.challenger)) return undefined;
  if (r.champion !== null && !isEvaluatedModel(r.champion)) return undefined;
  return value as EvaluationResult;
}
