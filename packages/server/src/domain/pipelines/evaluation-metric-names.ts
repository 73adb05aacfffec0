/**
 * The metrics an `evaluate` task computes, per model type (what gate rules can name). The names
 * follow MLflow's `mlflow.evaluate` default metrics where one exists.
 */
export const EVALUATION_METRICS = {
  classifier: ['roc_auc', 'accuracy', 'f1', 'log_loss'],
  regressor: ['rmse', 'mae', 'r2', 'mse'],
} as const satisfies Record<'classifier' | 'regressor', readonly string[]>;

/** Computed when a task lists none. */
export const DEFAULT_EVALUATION_METRICS: Record<'classifier' | 'regressor', readonly string[]> = {
  classifier: EVALUATION_METRICS.classifier,
  regressor: ['rmse', 'mae', 'r2'],
};
