import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from '@modelyard/sdk';
import { BundleCache } from '../../services/bundles/bundle-cache.js';
import { BundleCheckoutExecutor } from '../bundle-checkout-executor.js';
import type { Logger } from 'pino';
import type { AttemptHandle, AttemptOutcome, AttemptRequest } from '../../services/pipelines/task-executor.js';
import { LocalProcessPool } from '../local-process-pool.js';
import { AttemptLogShipper } from './attempt-log-shipper.js';
import { forgetJobs, HEARTBEAT_INTERVAL_MS, stampJobs } from './attempt-heartbeats.js';
import { ATTEMPT_QUEUE, startBoss } from './queue-boss.js';
import type { PgBoss } from './queue-boss.js';

/** Set in every attempt a queue worker runs: which worker (host:pid) ran it. */
export const WORKER_ID_VAR = 'MODELYARD_WORKER_ID';

export interface QueueWorkerOptions {
  /** `postgresql://…` of the database holding the `pgboss` schema (the server's --task-queue-uri). */
  connectionString: string;
  /** Attempts this worker runs at once. */
  concurrency: number;
  /** How often an idle worker asks for a job, and a running job's state is checked for a cancel. Default 1 s (pg-boss's minimum for asking is 0.5 s). */
  pollIntervalMs?: number;
  /** Between SIGTERM and SIGKILL when stopping an attempt. Default 5 s. */
  killGraceMs?: number;
  logger?: Logger;
  /** Default `<hostname>:<pid>`. */
  workerId?: string;
  /**
   * Where this machine unpacks the bundles of bundle-deployed jobs (content-addressed), and the
   * server they are downloaded from: `serverUri`, else the MLFLOW_TRACKING_URI the server gave the
   * attempt. Credentials come from MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD.
   */
  bundles?: { cacheDir: string; serverUri?: string; maxBytes?: number };
  /**
   * The server attempts' logs are shipped to (and bundles downloaded from, unless `bundles` names
   * one): default the MLFLOW_TRACKING_URI the server gave the attempt. With neither, logs are
   * written at the request's paths, which then must be storage shared with the server.
   */
  serverUri?: string;
  /** Where this machine writes attempts' logs before shipping them (default: defaultAttemptLogDir()). */
  logDir?: string;
}

export interface QueueWorker {
  readonly workerId: string;
  /** Attempts running now. */
  readonly activeCount: number;
  /**
   * Stops taking jobs, lets running attempts finish for up to `drainMs` (default 0), then stops
   * the rest: they end FAILED (so the runner retries them per the task's policy), never lost.
   */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

interface Running {
  handle: AttemptHandle;
  shutdownReason?: string;
}

/** As large as the server's default limit: a bundle the server took is never refused here. */
const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

/** `$XDG_CACHE_HOME/modelyard/bundles`, else `~/.cache/modelyard/bundles`: never the current folder. */
export function defaultBundleCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'modelyard', 'bundles');
}

/** `$XDG_STATE_HOME/modelyard/attempt-logs`, else `~/.local/state/modelyard/attempt-logs`: never the current folder. */
export function defaultAttemptLogDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'modelyard', 'attempt-logs');
}

function asRequest(data: unknown): AttemptRequest | undefined {
  const r = data as Partial<AttemptRequest> | null;
  if (!r || typeof r !== 'object' || typeof r.attemptId !== 'number' || typeof r.stdoutPath !== 'string') return undefined;
  if (typeof r.task !== 'object' || r.task === null || typeof r.projectDir !== 'string') return undefined;
  return r as AttemptRequest;
}

/**
 * `modelyard worker`: takes command attempts from the queue and runs each on a LocalProcessPool
 * of this machine, returning its AttemptOutcome as the job's output. While an attempt runs, its
 * job is stamped as alive every few seconds (attempt-heartbeats.ts). A job leaving `active`
 * while it runs (the server cancelled it, or pg-boss expired it) stops the attempt's process
 * group. A bundle-deployed job's code is downloaded from the server and unpacked here (no shared
 * code folder); a job deployed from a folder runs at that path, which must then exist here too.
 * An attempt's logs are written in this machine's log folder, named by attempt id (the request's
 * paths are the server's), and shipped to the server while it runs and in full before its outcome
 * is stored (attempt-log-shipper.ts); the server writes them where it keeps every attempt's logs.
 * The local copy is deleted once the server has it all.
 */
export async function runQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new Error('concurrency must be a positive integer');
  const pollMs = opts.pollIntervalMs ?? 1000;
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
  const log = opts.logger;
  const pool = new LocalProcessPool({ maxConcurrent: opts.concurrency, ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}) });
  const boss: PgBoss = await startBoss({
    connectionString: opts.connectionString,
    maxConnections: opts.concurrency + 2,
    supervise: false,
    applicationName: 'modelyard-worker',
    ...(log ? { logger: log } : {}),
  });
  const logDir = opts.logDir ?? defaultAttemptLogDir();
  const serverFor = (request: AttemptRequest): string | undefined => opts.serverUri ?? request.env.MLFLOW_TRACKING_URI;
  const cache = new BundleCache(opts.bundles?.cacheDir ?? defaultBundleCacheDir(), { maxBytes: opts.bundles?.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES });
  /** The pool, behind an unpack of the attempt's bundle downloaded from its server (no shared filesystem). */
  const executorFor = (request: AttemptRequest) =>
    new BundleCheckoutExecutor(pool, (sha256) =>
      cache.checkout(sha256, async () => {
        const server = opts.bundles?.serverUri ?? serverFor(request);
        if (!server) throw new Error('no server to download the bundle from: start the worker with --tracking-uri');
        const res = await new Client({ trackingUri: server, maxRetries: 3 }).bundles.download(sha256);
        if (!res.body) throw new Error(`${server} sent bundle ${sha256} without a body`);
        return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
      }),
    );
  /**
   * Local log files for the attempt and what ships them to its server; undefined when no server is
   * known (the request's paths are then written, on storage shared with the server).
   */
  const startShipping = (request: AttemptRequest) => {
    const server = serverFor(request);
    if (!server) return undefined;
    // By attempt id: unique per attempt, and nothing the project chose becomes part of a path.
    const dir = join(logDir, `attempt-${request.attemptId}`);
    // Synchronous: nothing may come between the `stopping` check and the attempt counting as running.
    rmSync(dir, { recursive: true, force: true });
    const paths = { stdoutPath: join(dir, 'stdout.log'), stderrPath: join(dir, 'stderr.log') };
    const client = new Client({ trackingUri: server, maxRetries: 3 });
    const where = { jobRunId: request.jobRunId, taskKey: request.taskKey, attemptNumber: request.attemptNumber };
    const shipper = new AttemptLogShipper({
      files: [
        { path: paths.stdoutPath, stream: 'stdout' },
        { path: paths.stderrPath, stream: 'stderr' },
      ],
      send: async (stream, offset, data) => void (await client.attemptLogs.append({ ...where, stream, offset, data })),
      pollMs,
      onError: (err) => log?.warn({ err, attempt_id: request.attemptId }, `could not ship the attempt's logs to ${server}; retrying`),
    });
    shipper.start();
    return {
      paths,
      finish: async () => {
        if (await shipper.finish()) await rm(dir, { recursive: true, force: true }).catch(() => {});
        else log?.error({ attempt_id: request.attemptId, dir }, `the attempt's logs did not all reach ${server}; they are kept in ${dir}`);
      },
    };
  };
  const running = new Set<Running>();
  /** Handlers in progress, until their outcome is stored. */
  const handlers = new Set<Promise<AttemptOutcome>>();
  let stopping = false;

  const runJob = async (job: PgBoss.Job<unknown>): Promise<AttemptOutcome> => {
    const request = asRequest(job.data);
    const failed = (message: string): AttemptOutcome => ({ state: 'FAILED', message, exitCode: null, signal: null, endTime: Date.now() });
    if (!request) return failed(`queue job ${job.id} does not hold an attempt request`);
    // Taken while stopping (a fetch was already under way): hand it back as failed, to be retried.
    if (stopping) return failed(`worker ${workerId} was shutting down when it took the attempt`);
    const shipping = startShipping(request);
    const handle = executorFor(request).submit({ ...request, ...shipping?.paths, env: { ...request.env, [WORKER_ID_VAR]: workerId } }, () => {});
    const run: Running = { handle };
    running.add(run);
    log?.info({ attempt_id: request.attemptId, job_id: job.id, task: request.taskKey }, 'attempt started');
    // The server takes a job nobody stamps for a while as a lost worker's (attempt-heartbeats.ts).
    const stamp = () => stampJobs(boss, workerId, [job.id]).catch((err: unknown) => log?.warn({ err, job_id: job.id }, 'could not stamp the job as alive'));
    void stamp();
    const heartbeat = setInterval(() => void stamp(), Math.min(pollMs, HEARTBEAT_INTERVAL_MS));
    const watch = setInterval(() => {
      boss
        .getJobById<unknown>(ATTEMPT_QUEUE, job.id)
        .then((j) => {
          if (!j || j.state !== 'active') handle.cancel(`the queue job was ${j ? j.state : 'deleted'}`);
        })
        .catch((err: unknown) => log?.warn({ err, job_id: job.id }, 'could not read the job state'));
    }, pollMs);
    try {
      const outcome = await handle.done;
      // Before completing: a check that saw the completed job would otherwise cancel an ended attempt.
      clearInterval(watch);
      // Stamped while the last of the logs goes out, so a long flush is not taken for a lost worker.
      if (shipping) await shipping.finish();
      clearInterval(heartbeat);
      const reported = run.shutdownReason && outcome.state === 'CANCELED' ? { ...outcome, state: 'FAILED' as const, message: run.shutdownReason } : outcome;
      log?.info({ attempt_id: request.attemptId, job_id: job.id, state: reported.state, message: reported.message }, 'attempt ended');
      // Stored here and awaited, so a stopping worker never closes its pool before the outcome is
      // written; pg-boss's own completion afterwards finds the job no longer active and does nothing.
      await boss.complete(ATTEMPT_QUEUE, job.id, reported as unknown as object).catch((err: unknown) => log?.warn({ err, job_id: job.id }, 'could not store the attempt outcome'));
      await forgetJobs(boss, [job.id]).catch((err: unknown) => log?.warn({ err, job_id: job.id }, 'could not drop the job stamp'));
      return reported;
    } finally {
      clearInterval(watch);
      clearInterval(heartbeat);
      running.delete(run);
    }
  };

  const workOptions = { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, pollMs / 1000) };
  // Each pg-boss worker loop runs one job at a time, so N loops are N attempts at once.
  for (let i = 0; i < opts.concurrency; i++) {
    await boss.work<unknown>(ATTEMPT_QUEUE, workOptions, async ([job]) => {
      if (!job) return undefined;
      const p = runJob(job);
      handlers.add(p);
      return p.finally(() => handlers.delete(p));
    });
  }
  log?.info({ worker: workerId, concurrency: opts.concurrency }, 'modelyard worker taking attempts');

  let stopped: Promise<void> | undefined;
  const stop = async (drainMs: number): Promise<void> => {
    stopping = true;
    await boss.offWork(ATTEMPT_QUEUE);
    const until = Date.now() + drainMs;
    while (running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(100, pollMs)));
    const left = [...running];
    for (const r of left) {
      r.shutdownReason = `worker ${workerId} shut down before the command finished`;
      r.handle.cancel(r.shutdownReason);
    }
    await Promise.all([...handlers]);
    await pool.close();
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    log?.info({ worker: workerId }, 'modelyard worker stopped');
  };

  return {
    workerId,
    get activeCount() {
      return running.size;
    },
    stop(o = {}) {
      stopped ??= stop(o.drainMs ?? 0);
      return stopped;
    },
  };
}
