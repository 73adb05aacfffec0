/**
 * The project a `modelyard.yaml` describes, after validation and after a target's overrides are
 * applied. Field names follow the Databricks Jobs API / Asset Bundles where one exists (in
 * camelCase here; the file itself uses Databricks' snake_case).
 */
export interface ProjectSpec {
  name: string;
  /** Target applied to produce this spec, if any. */
  target?: string;
  /** Names of every target the file declares. */
  targetNames: string[];
  workspace: WorkspaceSpec;
  experiments: Record<string, ExperimentSpec>;
  registeredModels: Record<string, RegisteredModelSpec>;
  servingEndpoints: Record<string, ServingEndpointSpec>;
  jobs: Record<string, JobSpec>;
  /** What `modelyard deploy` leaves out of the bundle besides `.gitignore`d files (Databricks' `sync`). */
  sync?: SyncSpec;
}

export interface SyncSpec {
  /** `.gitignore`-style patterns, relative to the project folder. */
  exclude: string[];
}

export interface WorkspaceSpec {
  /** MLflow tracking URI: an http(s) server, or a backend store URI (sqlite:///…, postgresql://…). */
  trackingUri?: string;
  registryUri?: string;
}

export interface ExperimentSpec {
  key: string;
  name: string;
  artifactLocation?: string;
  tags: Record<string, string>;
}

export interface RegisteredModelSpec {
  key: string;
  name: string;
  description?: string;
  tags: Record<string, string>;
}

export interface ServingEndpointSpec {
  key: string;
  name: string;
  modelUri?: string;
  description?: string;
}

export const RUN_IF_CONDITIONS = [
  'ALL_SUCCESS',
  'AT_LEAST_ONE_SUCCESS',
  'NONE_FAILED',
  'ALL_DONE',
  'AT_LEAST_ONE_FAILED',
  'ALL_FAILED',
] as const;
export type RunIf = (typeof RUN_IF_CONDITIONS)[number];

export const PAUSE_STATUSES = ['UNPAUSED', 'PAUSED'] as const;
export type PauseStatus = (typeof PAUSE_STATUSES)[number];

export interface ScheduleSpec {
  /** Exactly one of the two expressions is set. Quartz: seconds first, `?`, 1 = Sunday (Databricks). */
  quartzCronExpression?: string;
  /** Classic five-field cron (minute hour day-of-month month day-of-week). */
  cron?: string;
  /** IANA zone name, e.g. `Europe/Paris`. Defaults to UTC. */
  timezoneId: string;
  pauseStatus: PauseStatus;
}

export interface JobParameterSpec {
  name: string;
  default: string;
}

export interface JobSpec {
  key: string;
  name: string;
  description?: string;
  /** Key of an entry of `experiments` (or an experiment name); the job run's MLflow run goes there. */
  experiment?: string;
  parameters: JobParameterSpec[];
  tasks: TaskSpec[];
  schedule?: ScheduleSpec;
  /** Runs of this job allowed at the same time (Databricks default 1). */
  maxConcurrentRuns: number;
  /** When the limit is reached: true queues the run, false skips it (Databricks `queue.enabled`). */
  queueEnabled: boolean;
  /** Whole-run limit; 0 or unset means none. */
  timeoutSeconds?: number;
  tags: Record<string, string>;
}

export const TASK_TYPES = ['command', 'evaluate', 'gate', 'promote', 'batch_score', 'deploy'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

interface TaskBase {
  taskKey: string;
  description?: string;
  dependsOn: string[];
  runIf: RunIf;
  /** Retries after a failed attempt; -1 retries without end (Databricks). Default 0. */
  maxRetries: number;
  minRetryIntervalMillis: number;
  /** Databricks does not retry a timed-out attempt unless asked. */
  retryOnTimeout: boolean;
  timeoutSeconds?: number;
  /** Where the task runs when not on this machine (domain/pipelines/compute-parser.ts). */
  compute?: ComputeSpec;
}

/** Remote compute for a task; only Databricks so far. */
export interface ComputeSpec {
  databricks: DatabricksComputeSpec;
}

/**
 * A Databricks workspace and cluster for a command task that runs a Python file there as a
 * `spark_python_task` (worker/databricks). Field names are Databricks bundles' task fields.
 */
export interface DatabricksComputeSpec {
  /** A profile of ~/.databrickscfg (or DATABRICKS_CONFIG_FILE); the SDK's default chain when absent. */
  profile?: string;
  /** Workspace URL; overrides the profile's and DATABRICKS_HOST. */
  host?: string;
  /** Exactly one of the three: an existing cluster, a cluster spec, or a cluster.json in the project. */
  existingClusterId?: string;
  newCluster?: Record<string, unknown>;
  /** Relative to the project folder: read when the attempt is submitted. */
  clusterJson?: string;
  /** Passed through to runs/submit (`{pypi: {package}}`, `{whl}` …). */
  libraries?: Array<Record<string, unknown>>;
  /** Workspace folder the project is uploaded under (one sub-folder per attempt). */
  workspacePath?: string;
}

export interface CommandTaskSpec extends TaskBase {
  type: 'command';
  command: {
    /** argv (run directly) or a string (run by `/bin/sh -c`). */
    command: string[] | string;
    /** Relative to the project folder; must stay inside it. */
    workingDirectory?: string;
    env: Record<string, string>;
  };
}

export interface EvaluateTaskSpec extends TaskBase {
  type: 'evaluate';
  evaluate: {
    challengerModelUri: string;
    championModelUri?: string;
    dataPath: string;
    targetColumn: string;
    modelType: 'classifier' | 'regressor';
    metrics: string[];
  };
}

export interface GateTaskSpec extends TaskBase {
  type: 'gate';
  gate: {
    /** The evaluate task whose challenger/champion metrics the rules read. */
    evaluationTaskKey: string;
    rules: string[];
    /** What a rule naming `champion.*` does when there is no champion yet. */
    whenNoChampion: 'PASS' | 'FAIL';
  };
}

export interface PromoteTaskSpec extends TaskBase {
  type: 'promote';
  promote: {
    modelUri: string;
    stage?: 'Staging' | 'Production' | 'Archived' | 'None';
    alias?: string;
    archiveExistingVersions: boolean;
  };
}

export interface BatchScoreTaskSpec extends TaskBase {
  type: 'batch_score';
  batchScore: {
    modelUri: string;
    inputPath: string;
    outputPath: string;
    outputFormat: 'csv' | 'jsonl';
  };
}

export interface DeployTaskSpec extends TaskBase {
  type: 'deploy';
  deploy: {
    /** Key of an entry of `serving_endpoints`. */
    endpoint: string;
    modelUri: string;
  };
}

export type TaskSpec = CommandTaskSpec | EvaluateTaskSpec | GateTaskSpec | PromoteTaskSpec | BatchScoreTaskSpec | DeployTaskSpec;
