import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, posix, resolve } from 'node:path';
import type { jobs } from '@databricks/sdk-experimental';
import { isPythonFileCommand } from '../../domain/pipelines/compute-parser.js';
import type { DatabricksComputeSpec } from '../../domain/pipelines/project-model.js';
import { finishedHandle } from '../../services/pipelines/task-executor.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStarted, TaskExecutor } from '../../services/pipelines/task-executor.js';
import { ENTRY_FILE, ENTRY_SCRIPT, ENV_FILE } from './entry-script.js';
import { uploadProject } from './project-upload.js';
import { isTerminalRemoteState, remoteOutcome } from './run-outcome.js';
import type { StopReason } from './run-outcome.js';
import { connectWorkspace } from './workspace-client.js';
import type { DatabricksConnection } from './workspace-client.js';

export interface DatabricksExecutorOptions {
  /** Where the SDK's credential chain reads DATABRICKS_* from. Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** runs/get polling backs off from the first to the second (the SDK's own waiters use 1 s → 10 s). */
  pollMs?: { min: number; max: number };
  /** How long a canceled run may take to reach a terminal state before the attempt ends anyway. */
  cancelWaitMs?: number;
  /** The Databricks run's name. Default: `modelyard job run <id> <task> attempt <n>`. */
  runName?: (request: AttemptRequest) => string;
  now?: () => number;
}

/** Prefix of the `executorRef` of a Databricks attempt: `databricks:<run id>@<host>[#<profile>]`. */
const REF_PREFIX = 'databricks:';
const DEFAULT_WORKSPACE_PATH = '/Shared/modelyard';
/** Consecutive failed runs/get calls tolerated (a network blip) before the attempt fails. */
const MAX_POLL_FAILURES = 10;

interface Attempt {
  request: AttemptRequest;
  stop?: StopReason;
  /** Wakes the poll loop early (a cancel should not wait out a 10 s poll interval). */
  wake?: () => void;
}

/**
 * Runs command tasks that set `compute.databricks` on a Databricks workspace: the project folder
 * is uploaded with the Workspace API, the task's command is submitted as a one-time run (Jobs API
 * `runs/submit`: a `spark_python_task` running entry-script.ts on the task's cluster), `runs/get` is polled
 * until the run is terminal, its output (`runs/get-output`: logs, error, error trace) lands in the
 * attempt's log files, and a cancel or `timeout_seconds` calls `runs/cancel`. Every call goes
 * through the Databricks SDK, so its credential chain, retries and error parsing apply.
 */
export class DatabricksExecutor implements TaskExecutor {
  readonly name = 'databricks';
  private readonly running = new Map<Attempt, Promise<AttemptOutcome>>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: DatabricksExecutorOptions = {}) {
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    const compute = request.task.compute?.databricks;
    if (!compute || request.task.type !== 'command') {
      return finishedHandle(this.failed(`task '${request.task.taskKey}' has no compute.databricks: the Databricks executor runs only command tasks that set one`));
    }
    if (this.closed) return finishedHandle({ ...this.failed('the executor is shutting down'), state: 'CANCELED' });
    const a: Attempt = { request };
    const done = this.run(a, compute, onStarted)
      .catch((e: unknown) => this.failed(`Databricks attempt failed: ${(e as Error).message}`))
      .finally(() => this.running.delete(a));
    this.running.set(a, done);
    return { done, cancel: (reason) => this.stop(a, { state: 'CANCELED', message: reason }) };
  }

  private stop(a: Attempt, reason: StopReason): void {
    if (a.stop) return;
    a.stop = reason;
    a.wake?.();
  }

  private failed(message: string): AttemptOutcome {
    return { state: 'FAILED', message, exitCode: null, signal: null, endTime: this.now() };
  }

  private stoppedBeforeStart(a: Attempt): AttemptOutcome | undefined {
    return a.stop ? { state: a.stop.state, message: a.stop.message, exitCode: null, signal: null, endTime: this.now() } : undefined;
  }

  private async run(a: Attempt, compute: DatabricksComputeSpec, onStarted: (s: AttemptStarted) => void): Promise<AttemptOutcome> {
    const { request } = a;
    let conn: DatabricksConnection;
    try {
      conn = await connectWorkspace(compute, this.env);
    } catch (e) {
      return this.fail(request, `cannot connect to the Databricks workspace${compute.profile ? ` of profile '${compute.profile}'` : ''}: ${(e as Error).message}`);
    }
    let remoteDir: string | undefined;
    try {
      const cluster = await clusterOf(compute, request.projectDir);
      if ('problem' in cluster) return this.fail(request, cluster.problem);
      const stopped = this.stoppedBeforeStart(a);
      if (stopped) return stopped;
      const attemptDir = `${request.jobRunId}-${request.taskKey}-${request.attemptNumber}-${randomBytes(4).toString('hex')}`;
      remoteDir = posix.join(compute.workspacePath ?? DEFAULT_WORKSPACE_PATH, 'attempts', attemptDir);
      try {
        await uploadProject(conn.client, {
          projectDir: request.projectDir,
          remoteDir,
          extra: { [ENTRY_FILE]: ENTRY_SCRIPT, [ENV_FILE]: JSON.stringify(remoteEnv(request.env), null, 1) },
        });
      } catch (e) {
        return this.fail(request, `cannot upload the project to ${conn.host} ${remoteDir}: ${(e as Error).message}`);
      }
      const stoppedAfterUpload = this.stoppedBeforeStart(a);
      if (stoppedAfterUpload) return stoppedAfterUpload;
      const workingDirectory = request.task.type === 'command' ? (request.task.command.workingDirectory ?? '.') : '.';
      const task: jobs.SubmitTask = {
        task_key: request.taskKey,
        spark_python_task: { python_file: posix.join(remoteDir, ENTRY_FILE), parameters: [workingDirectory, ...entryParameters(request)] },
        ...cluster,
        ...(compute.libraries ? { libraries: compute.libraries as jobs.SubmitTask['libraries'] } : {}),
        ...(request.timeoutMs ? { timeout_seconds: Math.ceil(request.timeoutMs / 1000) } : {}),
      };
      let runId: number;
      try {
        const submitted = await conn.client.jobs.submit({
          run_name: this.opts.runName?.(request) ?? `modelyard job run ${request.jobRunId} ${request.taskKey} attempt ${request.attemptNumber}`,
          // A retried submit (the SDK retries 5xx and 429) must not start a second run.
          idempotency_token: `modelyard-${request.attemptId}-${randomBytes(8).toString('hex')}`,
          tasks: [task],
        });
        if (typeof submitted.run_id !== 'number') throw new Error('runs/submit answered without a run_id');
        runId = submitted.run_id;
      } catch (e) {
        return this.fail(request, `runs/submit on ${conn.host} refused the task: ${(e as Error).message}`);
      }
      const loopback = loopbackTrackingUri(request.env.MLFLOW_TRACKING_URI);
      if (loopback && conn.host.startsWith('https://')) {
        // Not an error (a proxy or tunnel may make it work), but the usual cause of a run that cannot log.
        await writeLog(request.stderrPath, `modelyard: warning: the task logs to MLFLOW_TRACKING_URI=${loopback}, a loopback address the cluster cannot reach; start the server with a tracking URI the workspace can reach\n`);
      }
      onStarted({ executorRef: `${REF_PREFIX}${runId}@${conn.host}${compute.profile ? `#${compute.profile}` : ''}`, startTime: this.now() });
      const timer = request.timeoutMs
        ? setTimeout(() => this.stop(a, { state: 'TIMEDOUT', message: `timed out after ${request.timeoutMs! / 1000}s (timeout_seconds)` }), request.timeoutMs)
        : undefined;
      try {
        return await this.follow(a, conn, runId);
      } finally {
        if (timer) clearTimeout(timer);
      }
    } finally {
      if (remoteDir) await conn.client.workspace.delete({ path: remoteDir, recursive: true }).catch(() => undefined);
      conn.close();
    }
  }

  /** Polls runs/get until terminal, canceling the run once a stop is asked for; then fetches its output. */
  private async follow(a: Attempt, conn: DatabricksConnection, runId: number): Promise<AttemptOutcome> {
    const { min, max } = this.opts.pollMs ?? { min: 500, max: 10_000 };
    let interval = min;
    let failures = 0;
    let canceledAt: number | undefined;
    let run: jobs.Run | undefined;
    for (;;) {
      if (a.stop && canceledAt === undefined) {
        canceledAt = this.now();
        // cancelRun answers at once; the run reaches TERMINATED/CANCELED on its own time.
        await conn.client.jobs.cancelRun({ run_id: runId }).catch(() => undefined);
        interval = min;
      }
      try {
        run = await conn.client.jobs.getRun({ run_id: runId });
        failures = 0;
      } catch (e) {
        if (++failures >= MAX_POLL_FAILURES) {
          if (!a.stop) await conn.client.jobs.cancelRun({ run_id: runId }).catch(() => undefined);
          return this.fail(a.request, `lost track of Databricks run ${runId} on ${conn.host} (runs/get failed ${failures} times): ${(e as Error).message}`);
        }
      }
      if (isTerminalRemoteState(run?.state)) break;
      if (canceledAt !== undefined && this.now() - canceledAt > (this.opts.cancelWaitMs ?? 120_000)) {
        return { state: a.stop!.state, message: `${a.stop!.message} (Databricks run ${runId} was asked to cancel but is still ${run?.state?.life_cycle_state ?? 'unknown'})`, exitCode: null, signal: null, endTime: this.now() };
      }
      await new Promise<void>((wake) => {
        const t = setTimeout(wake, interval);
        a.wake = () => {
          clearTimeout(t);
          wake();
        };
      });
      a.wake = undefined;
      interval = Math.min(max, Math.round(interval * 1.5));
    }
    const output = await this.fetchOutput(a.request, conn, run!);
    // The task's own state is the precise one (a timed-out task leaves the run FAILED on some servers).
    return remoteOutcome(runId, run!.tasks?.[0]?.state ?? run!.state!, { ...(a.stop ? { stop: a.stop } : {}), ...(output.error ? { error: output.error } : {}), endTime: this.now() });
  }

  /** `runs/get-output` of the run's task into the attempt's log files; a failure to read it is noted, not fatal. */
  private async fetchOutput(request: AttemptRequest, conn: DatabricksConnection, run: jobs.Run): Promise<{ error?: string }> {
    const taskRunId = run.tasks?.[0]?.run_id ?? run.run_id!;
    const header = `modelyard: Databricks run ${run.run_id}${run.run_page_url ? ` (${run.run_page_url})` : ''} on ${conn.host}\n`;
    try {
      const out = await conn.client.jobs.getRunOutput({ run_id: taskRunId });
      await writeLog(request.stdoutPath, (out.logs ?? '') + (out.logs_truncated ? '\nmodelyard: the workspace returned only the last part of these logs\n' : ''));
      const err = [header, out.error ? `${out.error}\n` : '', out.error_trace ? `${out.error_trace}\n` : ''].join('');
      await writeLog(request.stderrPath, err);
      return out.error ? { error: out.error } : {};
    } catch (e) {
      await writeLog(request.stderrPath, `${header}modelyard: cannot read the run's output (runs/get-output ${taskRunId}): ${(e as Error).message}\n`);
      return {};
    }
  }

  /** A failure before the run started: the reason goes to the stderr log too, as a local attempt's would. */
  private async fail(request: AttemptRequest, message: string): Promise<AttemptOutcome> {
    await writeLog(request.stderrPath, `modelyard: ${message}\n`).catch(() => undefined);
    return this.failed(message);
  }

  /** Cancels the remote run a dead runner left behind; safe when it already ended or the reference is not ours. */
  async abandon(attempt: { attemptId: number; executorRef: string | null }): Promise<void> {
    const ref = parseExecutorRef(attempt.executorRef);
    if (!ref) return;
    try {
      const conn = await connectWorkspace({ host: ref.host, ...(ref.profile ? { profile: ref.profile } : {}) }, this.env);
      try {
        await conn.client.jobs.cancelRun({ run_id: ref.runId });
      } finally {
        conn.close();
      }
    } catch {
      // Already ended, deleted, or the workspace is unreachable: nothing more recovery can do.
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.running.keys()) this.stop(a, { state: 'CANCELED', message: 'the executor shut down' });
    await Promise.all([...this.running.values()]);
  }
}

export function parseExecutorRef(ref: string | null): { runId: number; host: string; profile?: string } | undefined {
  const m = ref ? /^databricks:(\d+)@([^#]+)(?:#(.+))?$/.exec(ref) : null;
  if (!m) return undefined;
  return { runId: Number(m[1]), host: m[2]!, ...(m[3] ? { profile: m[3] } : {}) };
}

/** True when the attempt's reference is a Databricks run's. */
export function isDatabricksRef(ref: string | null | undefined): boolean {
  return typeof ref === 'string' && ref.startsWith(REF_PREFIX);
}

type Cluster = { existing_cluster_id: string } | { new_cluster: jobs.SubmitTask['new_cluster'] };

/**
 * The task's cluster. A `cluster_json` holds what MLflow's `--backend-config` holds: a new_cluster
 * spec, or an object with `new_cluster` or `existing_cluster_id`.
 */
async function clusterOf(compute: DatabricksComputeSpec, projectDir: string): Promise<Cluster | { problem: string }> {
  if (compute.existingClusterId) return { existing_cluster_id: compute.existingClusterId };
  if (compute.newCluster) return { new_cluster: compute.newCluster as jobs.SubmitTask['new_cluster'] };
  const path = resolve(projectDir, compute.clusterJson ?? 'cluster.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    return { problem: `cannot read compute.databricks.cluster_json ${path}: ${(e as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `${path} must hold a JSON object: a new_cluster spec ({"spark_version": …, "node_type_id": …, "num_workers": …}) or {"existing_cluster_id": "…"}` };
  }
  const o = parsed as Record<string, unknown>;
  if (typeof o.existing_cluster_id === 'string') return { existing_cluster_id: o.existing_cluster_id };
  if (typeof o.new_cluster === 'object' && o.new_cluster !== null) return { new_cluster: o.new_cluster as jobs.SubmitTask['new_cluster'] };
  return { new_cluster: o as jobs.SubmitTask['new_cluster'] };
}

/** The entry script's mode and arguments (entry-script.ts): a Python file in-process, anything else as a child. */
function entryParameters(request: AttemptRequest): string[] {
  if (request.task.type !== 'command') return [];
  const cmd = request.task.command.command;
  if (typeof cmd === 'string') return ['shell', cmd];
  if (isPythonFileCommand(cmd)) return ['python', cmd[1]!, ...cmd.slice(2)];
  return ['exec', ...cmd];
}

/** The tracking URI if it names this machine only (localhost, 127.0.0.0/8, ::1). */
function loopbackTrackingUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const host = new URL(uri).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host) ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** What the remote code sees: the attempt's variables, minus the local project folder (meaningless there). */
function remoteEnv(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  delete out.MODELYARD_PROJECT_DIR;
  return out;
}

async function writeLog(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { flag: 'a' });
}
