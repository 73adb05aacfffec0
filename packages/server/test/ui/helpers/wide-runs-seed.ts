export interface WideRunsSeed {
  experimentId: string;
  /** `params.<key>` and `metrics.<key>` ids, in the order the URL's `cols` lists them. */
  columns: string[];
  runCount: number;
}

/**
 * Keys of very different lengths on purpose: a column whose header is much wider (or narrower)
 * than its values is what made rows of per-row grids lay out differently from the header.
 */
const PARAM_KEYS = [
  'optimizer', 'learning_rate', 'max_depth', 'n_estimators', 'feature_fraction_by_tree_level', 'seed', 'loss',
  'early_stopping_rounds', 'min_child_weight', 'subsample', 'class_weight', 'imputation_strategy_for_missing_values', 'cv', 'scaler', 'a',
];
const METRIC_KEYS = [
  'f1', 'duration_seconds', 'roc_auc', 'validation_log_loss_at_best_iteration', 'accuracy', 'precision', 'recall', 'mse',
  'train_rows_per_second', 'x', 'mean_absolute_percentage_error_on_holdout', 'p95_latency_ms', 'auc_pr', 'brier', 'r2',
];

function paramValue(key: string, i: number): string {
  // Every third run gets a long value: cells of different content widths in one column.
  if (i % 3 === 0) return `${key}-variant-${i}-with-a-deliberately-long-description-of-the-setting`;
  return String((i * 7 + key.length) % 13);
}

function metricValue(j: number, i: number): number {
  const base = Math.sin(i * 1.7 + j) * 0.5 + 0.5;
  // Magnitudes from 1e-7 to 1e6 across columns and runs: short and long numbers side by side.
  return i % 4 === 0 ? base * 10 ** ((j % 7) - 1) * 12345.678 : i % 4 === 1 ? base * 1e-7 : base;
}

/** An experiment whose runs log 15 params and 15 metrics: 30 data columns in the runs table. */
export async function seedWideRuns(baseUrl: string, runCount = 60, name = 'ui-wide-runs'): Promise<WideRunsSeed> {
  // Plain fetch, not the vitest-bound MlflowHttp: screenshot scripts seed with this outside vitest.
  const http = {
    async ok(path: string, body: unknown) {
      const res = await fetch(`${baseUrl}/api/2.0/mlflow${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (await res.json()) as any;
    },
  };
  const { experiment_id: experimentId } = await http.ok('/experiments/create', { name });
  const t0 = Date.UTC(2025, 2, 1, 9, 0, 0);
  for (let i = 0; i < runCount; i++) {
    const created = await http.ok('/runs/create', {
      experiment_id: experimentId,
      run_name: i % 5 === 0 ? `wide-run-${i}-with-a-rather-long-name-for-the-first-column` : `wide-run-${i}`,
      user_id: i % 2 ? 'alice' : 'bartholomew.longname@example.com',
      start_time: t0 + i * 60_000,
    });
    const runId: string = created.run.info.run_id;
    await http.ok('/runs/log-batch', {
      run_id: runId,
      params: PARAM_KEYS.map((key) => ({ key, value: paramValue(key, i) })),
      metrics: METRIC_KEYS.map((key, j) => ({ key, value: metricValue(j, i), timestamp: t0 + i * 60_000 + 1000, step: 0 })),
    });
    await http.ok('/runs/update', { run_id: runId, status: i % 7 === 3 ? 'FAILED' : 'FINISHED', end_time: t0 + i * 60_000 + 5000 + i * 997 });
  }
  const columns = [...PARAM_KEYS.map((k) => `params.${k}`), ...METRIC_KEYS.map((k) => `metrics.${k}`)];
  return { experimentId, columns, runCount };
}
