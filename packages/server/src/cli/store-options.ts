import type { Command } from 'commander';
import type { ConfigInput } from '../config/config.js';

// Light on purpose: every command imports these at start-up (see program.ts).

export interface ServerFlags {
  host?: string;
  port?: string;
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  /** Set by `--serve-artifacts` / `--no-serve-artifacts`; unset leaves env and file settings. */
  serveArtifacts?: boolean;
  allowUnauthenticated?: boolean;
  allowedArtifactRoots?: string;
  dataDir?: string;
  config?: string;
  logLevel?: string;
  otlpEndpoint?: string;
  traceRetentionDays?: string;
  taskQueueUri?: string;
  busyPollMicros?: string;
  webhookAllowHosts?: string;
  statementTimeoutMs?: string;
  headersTimeoutMs?: string;
  keepAliveTimeoutMs?: string;
  bodyIdleTimeoutMs?: string;
  requestTimeoutMs?: string;
  maxConnections?: string;
  /** `--flavor`, `--env-manager`, `--python`: spelled as `mlflow models serve` spells them. */
  flavor?: string;
  envManager?: string;
  python?: string;
  /** `--python-workers`, not MLflow's `--workers`: `mlflow server --workers` is its web server's processes. */
  pythonWorkers?: string;
  pythonTimeoutMs?: string;
  pythonIdleStopMs?: string;
}

export function flagsToConfig(flags: ServerFlags): ConfigInput {
  return {
    host: flags.host,
    port: flags.port,
    backendStoreUri: flags.backendStoreUri,
    artifactsDestination: flags.artifactsDestination,
    defaultArtifactRoot: flags.defaultArtifactRoot,
    serveArtifacts: flags.serveArtifacts,
    allowUnauthenticated: flags.allowUnauthenticated,
    allowedArtifactRoots: flags.allowedArtifactRoots,
    dataDir: flags.dataDir,
    logLevel: flags.logLevel,
    otlpEndpoint: flags.otlpEndpoint,
    traceRetentionDays: flags.traceRetentionDays,
    taskQueueUri: flags.taskQueueUri,
    busyPollMicros: flags.busyPollMicros,
    webhookAllowHosts: flags.webhookAllowHosts,
    statementTimeoutMs: flags.statementTimeoutMs,
    headersTimeoutMs: flags.headersTimeoutMs,
    keepAliveTimeoutMs: flags.keepAliveTimeoutMs,
    bodyIdleTimeoutMs: flags.bodyIdleTimeoutMs,
    requestTimeoutMs: flags.requestTimeoutMs,
    maxConnections: flags.maxConnections,
    modelFlavor: flags.flavor,
    pythonEnvManager: flags.envManager,
    pythonExecutable: flags.python,
    pythonWorkers: flags.pythonWorkers,
    pythonTimeoutMs: flags.pythonTimeoutMs,
    pythonIdleStopMs: flags.pythonIdleStopMs,
  };
}

/** Store options shared by every command that opens the database. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--backend-store-uri <uri>', 'sqlite:///path.db or postgresql://user@host:port/db (env MODELYARD_BACKEND_STORE_URI; default <data-dir>/modelyard.db)')
    .option('--data-dir <dir>', 'folder of the embedded default store and artifacts (env MODELYARD_DATA_DIR)', undefined)
    .option('--config <file>', 'YAML file of settings (env MODELYARD_CONFIG)');
}
