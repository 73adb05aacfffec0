import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatabricksComputeSpec } from '../../domain/pipelines/project-model.js';
import type { AttemptOutcome } from '../../services/pipelines/task-executor.js';
import { DatabricksExecutor } from './databricks-executor.js';

/**
 * One command of a project folder on Databricks, outside any job: what
 * `modelyard projects run --backend databricks --backend-config cluster.json` needs (MLflow's
 * Databricks backend). It is the job executor's own path (upload, runs/submit, poll, output,
 * cancel), fed one synthetic attempt, so both behave the same.
 */
export interface RemoteCommandOptions {
  projectDir: string;
  /** A string runs with /bin/sh -c on the driver; `[python, file.py, …]` in the task's Python process. */
  command: string | string[];
  /** What the command sees (MLFLOW_RUN_ID, MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_ID …). */
  env: Record<string, string>;
  compute: DatabricksComputeSpec;
  /** The run's output lands in `stdout.log` / `stderr.log` here. */
  logDir: string;
  runName: string;
  timeoutMs?: number;
  /** Aborting cancels the Databricks run. */
  signal?: AbortSignal;
  /** Where DATABRICKS_* credentials are read from. Default: this process's environment. */
  credentialsEnv?: NodeJS.ProcessEnv;
}

export async function runCommandOnDatabricks(opts: RemoteCommandOptions): Promise<AttemptOutcome & { stdoutPath: string; stderrPath: string }> {
  const executor = new DatabricksExecutor({ ...(opts.credentialsEnv ? { env: opts.credentialsEnv } : {}), runName: () => opts.runName });
  const stdoutPath = join(opts.logDir, 'stdout.log');
  const stderrPath = join(opts.logDir, 'stderr.log');
  const handle = executor.submit(
    {
      // Only the idempotency token uses it: unique enough for one command.
      attemptId: randomInt(1, 2 ** 47),
      jobRunId: 0,
      taskKey: 'project',
      attemptNumber: 1,
      task: {
        type: 'command',
        taskKey: 'project',
        dependsOn: [],
        runIf: 'ALL_SUCCESS',
        maxRetries: 0,
        minRetryIntervalMillis: 0,
        retryOnTimeout: false,
        command: { command: opts.command, env: {} },
        compute: { databricks: opts.compute },
      },
      projectDir: opts.projectDir,
      env: opts.env,
      stdoutPath,
      stderrPath,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    },
    () => {},
  );
  const onAbort = () => handle.cancel('canceled');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    return { ...(await handle.done), stdoutPath, stderrPath };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * MLflow's `--backend-config` for the Databricks backend: a JSON file or a JSON string holding a
 * new_cluster spec, or an object with `new_cluster` or `existing_cluster_id` (and optionally
 * `libraries`; `profile` / `host` as Modelyard extensions).
 */
export async function readBackendConfig(arg: string, cwd: string): Promise<DatabricksComputeSpec> {
  const trimmed = arg.trim();
  let text = trimmed;
  let where = '--backend-config';
  if (!trimmed.startsWith('{')) {
    where = resolve(cwd, trimmed);
    try {
      text = await readFile(where, 'utf8');
    } catch (e) {
      throw new Error(`cannot read --backend-config ${where}: ${(e as Error).message} (give a cluster.json file or a JSON string)`);
    }
  }
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`${where} must hold a JSON object: a new_cluster spec, or {"existing_cluster_id": "…"}`);
  const c = o as Record<string, unknown>;
  const str = (k: string) => (typeof c[k] === 'string' && c[k] !== '' ? (c[k] as string) : undefined);
  const extra: DatabricksComputeSpec = {
    ...(str('profile') ? { profile: str('profile')! } : {}),
    ...(str('host') ? { host: str('host')! } : {}),
    ...(Array.isArray(c.libraries) ? { libraries: c.libraries as Array<Record<string, unknown>> } : {}),
  };
  if (str('existing_cluster_id')) return { ...extra, existingClusterId: str('existing_cluster_id')! };
  if (typeof c.new_cluster === 'object' && c.new_cluster !== null) return { ...extra, newCluster: c.new_cluster as Record<string, unknown> };
  const spec = { ...c };
  for (const k of ['profile', 'host', 'libraries']) delete spec[k];
  return { ...extra, newCluster: spec };
}

/**
 * An MLflow project's entry point command on Databricks, as `runEntryPoint` runs it locally: the
 * run's output is written to this process's stdout/stderr once fetched, and the result is an exit
 * code (0 on success, 1 otherwise, the reason on stderr). Only the MLflow variables travel: the
 * local environment may hold secrets, and it would be written into the workspace.
 */
export async function runEntryPointOnDatabricks(input: {
  command: string;
  projectDir: string;
  mlflowEnv: Record<string, string>;
  compute: DatabricksComputeSpec;
  runName: string;
  log: (message: string) => void;
  out?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
}): Promise<number> {
  const logDir = await mkdtemp(join(tmpdir(), 'modelyard-databricks-'));
  const out = input.out ?? { stdout: process.stdout, stderr: process.stderr };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    input.log(`=== Submitting the command to Databricks${input.compute.host ? ` (${input.compute.host})` : ''} ===`);
    const outcome = await runCommandOnDatabricks({
      projectDir: input.projectDir,
      command: input.command,
      env: input.mlflowEnv,
      compute: input.compute,
      logDir,
      runName: input.runName,
      signal: stop.signal,
    });
    out.stdout.write(await readFile(outcome.stdoutPath, 'utf8').catch(() => ''));
    out.stderr.write(await readFile(outcome.stderrPath, 'utf8').catch(() => ''));
    input.log(`=== ${outcome.message} ===`);
    return outcome.state === 'SUCCESS' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(logDir, { recursive: true, force: true });
  }
}
