/**
 * Span attribute names. The `mlflow.*` ones match what MLflow-minded users query for (and the
 * seeds' Application Insights dimensions `mlflow_experiment_id` / `mlflow_run_id`); the rest are
 * ours. The span store copies some of them into indexed columns.
 */
export const ATTR = {
  experimentId: 'mlflow.experiment_id',
  runId: 'mlflow.run_id',
  jobId: 'modelyard.job_id',
  jobKey: 'modelyard.job_key',
  /** The job's display name: Application Insights' cloud_RoleName of its spans (see app-insights-span-exporter). */
  jobName: 'modelyard.job_name',
  jobRunId: 'modelyard.job_run_id',
  project: 'modelyard.project',
  target: 'modelyard.target',
  trigger: 'modelyard.trigger',
  repairCount: 'modelyard.repair_count',
  taskKey: 'modelyard.task_key',
  taskType: 'modelyard.task_type',
  attemptNumber: 'modelyard.attempt_number',
  attemptId: 'modelyard.attempt_id',
  attemptTrigger: 'modelyard.attempt_trigger',
  state: 'modelyard.state',
  exitCode: 'modelyard.exit_code',
  signal: 'modelyard.signal',
  /** What the span stands for: one of OPERATIONS. */
  operation: 'modelyard.operation',
  modelUri: 'modelyard.model.uri',
  modelName: 'modelyard.model.name',
  modelVersion: 'modelyard.model.version',
  modelAlias: 'modelyard.model.alias',
  modelStage: 'modelyard.model.stage',
  requestId: 'modelyard.request_id',
  fromStage: 'modelyard.promote.from_stage',
  toStage: 'modelyard.promote.to_stage',
  alias: 'modelyard.promote.alias',
  previousAliasVersion: 'modelyard.promote.previous_alias_version',
  evaluationRole: 'modelyard.evaluation.role',
  rows: 'modelyard.rows',
  rejectedRows: 'modelyard.rejected_rows',
  inputPath: 'modelyard.input_path',
  outputPath: 'modelyard.output_path',
  endpoint: 'modelyard.endpoint',
  gatePassed: 'modelyard.gate.passed',
} as const;

export const OPERATIONS = {
  jobRun: 'job_run',
  taskAttempt: 'task_attempt',
  httpRequest: 'http_request',
  /** A step inside an in-process task attempt (evaluate one model, promote, score a file, deploy). */
  taskStep: 'task_step',
} as const;
export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS];
