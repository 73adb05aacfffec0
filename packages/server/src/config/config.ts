import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { InvalidParameterError } from '../errors.js';
import { parseHostAllowListSetting } from '../domain/outbound-address.js';
import { CONNECTION_LIMIT_KEYS, parseConnectionLimits } from './connection-limits.js';
import type { ConnectionLimitSettings } from './connection-limits.js';
import { PYTHON_RUNTIME_KEYS, parsePythonRuntimeSettings } from './python-runtime-settings.js';
import type { PythonRuntimeSettings } from './python-runtime-settings.js';

/** The one typed configuration of a Modelyard process (connection timeouts and cap: config/connection-limits.ts). */
export interface Config extends ConnectionLimitSettings, PythonRuntimeSettings {
  host: string;
  port: number;
  /** Folder for the embedded default store and artifacts. */
  dataDir: string;
  /** `sqlite:///…`, `postgresql://…` or a file path. Defaults to `<dataDir>/modelyard.db`. */
  backendStoreUri: string;
  /**
   * Where proxied artifacts (`mlflow-artifacts:/`) are stored: a local folder (absolute once
   * resolved) or an object-store URI kept as given (`s3://…`, `wasbs://…`, `abfss://…`).
   * Defaults to `<dataDir>/artifacts`.
   */
  artifactsDestination: string;
  /**
   * Artifact root given to new experiments. MLflow's `--serve-artifacts` default is
   * `mlflow-artifacts:/`, so clients upload through this server; with `serveArtifacts` off it is
   * the artifacts destination, which clients then read and write themselves.
   */
  defaultArtifactRoot: string;
  /**
   * Whether the `/mlflow-artifacts` proxy routes serve (MLflow's `--serve-artifacts`, on by
   * default); off, they answer 503 and clients use the default artifact root directly.
   */
  serveArtifacts: boolean;
  /**
   * Listen on a non-loopback address although the server has no authentication
   * (config/network-exposure.ts); off by default, when such a `host` is refused at start.
   */
  allowUnauthenticated: boolean;
  /**
   * Local folders and object-store URIs besides the artifacts destination and the default
   * artifact root that the server may read artifacts from (experiments' `artifact_location`,
   * model sources); other local paths are refused, so clients cannot read the server's files,
   * and other bucket or container locations are not read with the server's credentials.
   * Comma-separated in env and flags.
   */
  allowedArtifactRoots: string[];
  logLevel: string;
  /** Largest request body accepted, bytes (artifact uploads stream and are not limited by it). */
  bodyLimitBytes: number;
  /** OTLP/HTTP collector spans are exported to (base URL or `…/v1/traces`); env OTEL_EXPORTER_OTLP_ENDPOINT too. */
  otlpEndpoint?: string;
  /** Spans are exported to Azure Monitor when set; env APPLICATIONINSIGHTS_CONNECTION_STRING too. */
  applicationInsightsConnectionString?: string;
  /**
   * `cloud_RoleName` of everything sent to Application Insights. Unset: a job run's spans, task
   * output and failures carry the job's name, the server's own telemetry `modelyard`.
   */
  applicationInsightsRoleName?: string;
  /** Stored trace spans older than this many days are deleted (hourly); 0 keeps them forever. Default 30. */
  traceRetentionDays?: number;
  /** `postgresql://…`: command tasks go to this pg-boss queue for `modelyard worker` processes instead of local child processes. */
  taskQueueUri?: string;
  /**
   * After each request the server keeps polling for the next one this many microseconds before
   * letting its CPU sleep (http/busy-poll.ts); 0 turns it off. Default 500.
   */
  busyPollMicros: number;
  /**
   * Host names, IP addresses and CIDR ranges that webhooks may call although they are internal
   * (loopback, private, link-local…); everything else internal is refused. Comma-separated in env
   * and flags. Default: none.
   */
  webhookAllowHosts: string[];
  /**
   * PostgreSQL cancels any statement of the backend store running longer than this many
   * milliseconds, and the request answers 400 saying so; 0 turns the limit off. Default 30000.
   * No effect on SQLite, which cannot interrupt a statement (see db/connect.ts).
   */
  statementTimeoutMs: number;
  /** Largest project bundle (`modelyard deploy`) the server accepts, bytes compressed. Default 256 MiB. */
  maxBundleBytes: number;
}

/** See `Config.busyPollMicros`: covers a client's turnaround between an answer and its next call. */
const DEFAULT_BUSY_POLL_MICROS = 500;

/**
 * See `Config.statementTimeoutMs`: far above any statement the server issues for a request
 * (the tracking benchmark's searches over 10,000 runs take milliseconds), and short enough that a
 * runaway one frees its backend well before a client gives up (MLflow's waits 120 s).
 */
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export type ConfigInput = Partial<{ [K in keyof Config]: Config[K] | string }>;

const KEYS: Array<keyof Config> = [
  'host',
  'port',
  'dataDir',
  'backendStoreUri',
  'artifactsDestination',
  'defaultArtifactRoot',
  'serveArtifacts',
  'allowUnauthenticated',
  'allowedArtifactRoots',
  'logLevel',
  'bodyLimitBytes',
  'otlpEndpoint',
  'applicationInsightsConnectionString',
  'applicationInsightsRoleName',
  'traceRetentionDays',
  'taskQueueUri',
  'busyPollMicros',
  'webhookAllowHosts',
  'statementTimeoutMs',
  'maxBundleBytes',
  ...CONNECTION_LIMIT_KEYS,
  ...PYTHON_RUNTIME_KEYS,
];

function envName(key: string): string {
  return 'MODELYARD_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** `MODELYARD_BACKEND_STORE_URI` etc.; MLflow's own `MLFLOW_*` spellings are accepted too. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const out: ConfigInput = {};
  for (const key of KEYS) {
    const v = env[envName(key)];
    if (v !== undefined && v !== '') (out as Record<string, string>)[key] = v;
  }
  if (!out.backendStoreUri && env.MLFLOW_BACKEND_STORE_URI) out.backendStoreUri = env.MLFLOW_BACKEND_STORE_URI;
  if (!out.artifactsDestination && env.MLFLOW_ARTIFACTS_DESTINATION)
    out.artifactsDestination = env.MLFLOW_ARTIFACTS_DESTINATION;
  // OpenTelemetry's and Application Insights' own variables, as their SDKs read them.
  if (!out.otlpEndpoint && env.OTEL_EXPORTER_OTLP_ENDPOINT) out.otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!out.applicationInsightsConnectionString && env.APPLICATIONINSIGHTS_CONNECTION_STRING)
    out.applicationInsightsConnectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  return out;
}

export function configFromFile(path: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidParameterError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  const parsed = YAML.parse(text) as unknown;
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidParameterError(`config file ${path} must hold a mapping of settings`);
  }
  const out: ConfigInput = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    const key = k.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Config;
    if (!KEYS.includes(key)) throw new InvalidParameterError(`config file ${path}: unknown setting '${k}'`);
    (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** A list setting: a YAML list, or one comma-separated string (env, flags). */
function listSetting(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * An artifact root setting: a plain path resolves against `cwd`; a URI (`file:`, `s3:`, `wasbs:`…)
 * is kept as written, for the artifact repositories to parse (and refuse) at start. Resolving a
 * URI as a path made `s3://bucket/x` a local folder named `s3:`.
 */
function artifactRootSetting(v: string, cwd: string): string {
  const trimmed = v.trim();
  return /^[A-Za-z][A-Za-z0-9+.-]+:/.test(trimmed) ? trimmed : resolve(cwd, trimmed);
}

function booleanSetting(v: unknown, key: string, fallback: boolean): boolean {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  throw new InvalidParameterError(`${key} must be true or false, got '${String(v)}'`);
}

function toPort(v: unknown, source: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidParameterError(`${source}: port must be an integer from 0 to 65535, got '${String(v)}'`);
  }
  return n;
}

/**
 * Merges the layers (defaults < file < env < flags, later wins) and validates once.
 * `cwd` anchors relative paths.
 */
export function resolveConfig(layers: ConfigInput[], cwd: string = process.cwd()): Config {
  const merged: ConfigInput = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  const dataDir = resolve(cwd, String(merged.dataDir ?? '.modelyard'));
  const bodyLimit = Number(merged.bodyLimitBytes ?? 32 * 1024 * 1024);
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) {
    throw new InvalidParameterError(`bodyLimitBytes must be a positive integer, got '${String(merged.bodyLimitBytes)}'`);
  }
  const traceRetentionDays = Number(merged.traceRetentionDays ?? 30);
  if (!Number.isFinite(traceRetentionDays) || traceRetentionDays < 0) {
    throw new InvalidParameterError(`traceRetentionDays must be a number of days, 0 or more (0 keeps spans forever), got '${String(merged.traceRetentionDays)}'`);
  }
  if (merged.taskQueueUri && !/^postgres(ql)?:\/\//.test(String(merged.taskQueueUri))) {
    throw new InvalidParameterError(`taskQueueUri must be a postgresql://user@host:port/db URI (pg-boss keeps its queue there), got '${String(merged.taskQueueUri).replace(/:[^:@/]*@/, ':***@')}'`);
  }
  const busyPollMicros = Number(merged.busyPollMicros ?? DEFAULT_BUSY_POLL_MICROS);
  if (!Number.isInteger(busyPollMicros) || busyPollMicros < 0 || busyPollMicros > 1_000_000) {
    throw new InvalidParameterError(`busyPollMicros must be a whole number of microseconds from 0 (off) to 1000000, got '${String(merged.busyPollMicros)}'`);
  }
  const statementTimeoutMs = Number(merged.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  // PostgreSQL's statement_timeout is an int4 of milliseconds.
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0 || statementTimeoutMs > 2_147_483_647) {
    throw new InvalidParameterError(`statementTimeoutMs must be a whole number of milliseconds from 0 (no limit) to 2147483647, got '${String(merged.statementTimeoutMs)}'`);
  }
  const maxBundleBytes = Number(merged.maxBundleBytes ?? 256 * 1024 * 1024);
  if (!Number.isInteger(maxBundleBytes) || maxBundleBytes <= 0) {
    throw new InvalidParameterError(`maxBundleBytes must be a positive whole number of bytes, got '${String(merged.maxBundleBytes)}'`);
  }
  const artifactsDestination = artifactRootSetting(String(merged.artifactsDestination ?? resolve(dataDir, 'artifacts')), cwd);
  const serveArtifacts = booleanSetting(merged.serveArtifacts, 'serveArtifacts', true);
  return {
    host: String(merged.host ?? '127.0.0.1'),
    port: toPort(merged.port ?? 5000, 'port'),
    dataDir,
    backendStoreUri: String(merged.backendStoreUri ?? `sqlite:///${resolve(dataDir, 'modelyard.db')}`),
    artifactsDestination,
    defaultArtifactRoot: String(merged.defaultArtifactRoot ?? (serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination)),
    serveArtifacts,
    allowUnauthenticated: booleanSetting(merged.allowUnauthenticated, 'allowUnauthenticated', false),
    allowedArtifactRoots: listSetting(merged.allowedArtifactRoots).map((root) => artifactRootSetting(root, cwd)),
    logLevel: String(merged.logLevel ?? 'info'),
    bodyLimitBytes: bodyLimit,
    ...(merged.otlpEndpoint ? { otlpEndpoint: String(merged.otlpEndpoint) } : {}),
    ...(merged.applicationInsightsConnectionString ? { applicationInsightsConnectionString: String(merged.applicationInsightsConnectionString) } : {}),
    ...(merged.applicationInsightsRoleName ? { applicationInsightsRoleName: String(merged.applicationInsightsRoleName) } : {}),
    traceRetentionDays,
    ...(merged.taskQueueUri ? { taskQueueUri: String(merged.taskQueueUri) } : {}),
    busyPollMicros,
    webhookAllowHosts: parseHostAllowListSetting(merged.webhookAllowHosts, 'webhookAllowHosts'),
    statementTimeoutMs,
    maxBundleBytes,
    ...parseConnectionLimits(merged),
    ...parsePythonRuntimeSettings(merged),
  };
}

export function loadConfig(opts: { flags?: ConfigInput; configFile?: string; env?: NodeJS.ProcessEnv; cwd?: string }): Config {
  const env = opts.env ?? process.env;
  const file = opts.configFile ?? env.MODELYARD_CONFIG;
  return resolveConfig([file ? configFromFile(file) : {}, configFromEnv(env), opts.flags ?? {}], opts.cwd);
}
