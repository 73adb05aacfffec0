import { userInfo } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config/config.js';
import type { Config } from '../config/config.js';
import { connect } from '../db/connect.js';
import type { Db } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { parseStoreUri } from '../db/store-uri.js';
import { InvalidParameterError } from '../errors.js';
import { buildApp } from '../http/app.js';
import { isTerminalJobRunState } from '../domain/pipelines/run-states.js';
import type { JobRunState } from '../domain/pipelines/run-states.js';
import type { ProjectSpec } from '../domain/pipelines/project-model.js';
import { createPipelines, taskTypeDeps } from '../worker/create-pipelines.js';
import type { Pipelines } from '../worker/create-pipelines.js';
import { createServices } from '../services/services.js';
import { createLogger } from '../telemetry/logger.js';
import { SpanStore } from '../stores/telemetry/span-store.js';
import { JobRunTracer } from '../telemetry/job-run-tracer.js';
import { createLogExport, logExportOptionsFromConfig } from '../telemetry/log-export.js';
import { createTracing, tracingOptionsFromConfig } from '../telemetry/tracing.js';
import type { Tracing } from '../telemetry/tracing.js';
import { flagsToConfig } from './store-options.js';
import type { ServerFlags } from './store-options.js';

// What `modelyard run` and `modelyard jobs` do once a command is chosen. Imported lazily by
// them: it loads the services, the HTTP app and the pipelines, which `--help` never needs.

export interface PipelinesCliContext {
  config: Config;
  pipelines: Pipelines;
  /** Where task processes reach the tracking API of this store (only with `serveTracking`). */
  trackingUrl?: string;
  close(): Promise<void>;
}

/**
 * A target's tracking URI may name a database (MLflow accepts `sqlite:///…` and `postgresql://…`
 * as tracking URIs); `modelyard run -t prod` then runs against that store. An http(s) URI names
 * a server, which runs its jobs itself.
 */
export function storeUriFor(project: ProjectSpec | undefined, config: Config): string {
  const uri = project?.workspace.trackingUri;
  if (!uri) return config.backendStoreUri;
  if (/^(sqlite:\/\/\/|postgres(ql)?:\/\/)/.test(uri)) return uri;
  throw new InvalidParameterError(
    `target '${project?.target ?? ''}' tracks to ${uri}: a server runs its own jobs (POST ${uri.replace(/\/$/, '')}/api/v1/jobs/run-now); ` +
      'modelyard run executes locally against a database store (sqlite:///… or postgresql://…)',
  );
}

/**
 * Opens the store (migrated), the services and the pipelines of a CLI command. With
 * `serveTracking` it also serves this store's MLflow API on a loopback port for the duration of
 * the command, so the task processes it runs can log to the job run's MLflow run.
 */
export async function openPipelinesContext(flags: ServerFlags, opts: { project?: ProjectSpec; serveTracking: boolean }): Promise<PipelinesCliContext> {
  const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
  // Task output and failures of the runs started here are exported as the server's are.
  const logs = await createLogExport(logExportOptionsFromConfig(config));
  const logger = createLogger({ level: flags.logLevel ?? process.env.MODELYARD_LOG_LEVEL ?? 'warn', destination: process.stderr, exportTo: logs });
  const db: Db = connect(parseStoreUri(storeUriFor(opts.project, config)));
  let app: FastifyInstance | undefined;
  let tracing: Tracing | undefined;
  try {
    await migrateToLatest(db.db, db.caps);
    // Job runs started here are traced into the same store as the server's.
    const spans = new SpanStore(db.db, db.caps);
    tracing = await createTracing({ logger, sink: spans, ...tracingOptionsFromConfig(config) });
    const services = await createServices({ db: db.db, caps: db.caps, config, logger });
    let trackingUrl: string | undefined;
    if (opts.serveTracking) {
      app = await buildApp({ config, logger, services, telemetry: { tracer: tracing.tracer, traceUntracedRequests: tracing.exporting, traces: spans, sink: spans } });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      trackingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    }
    const pipelines = createPipelines({
      db: db.db,
      caps: db.caps,
      experiments: services.experiments,
      runs: services.runs,
      logger,
      dataDir: config.dataDir,
      trackingUri: () => trackingUrl,
      taskTypes: { ...taskTypeDeps({ db: db.db, caps: db.caps, ...services }), tracer: tracing.tracer },
      bundleCheckout: (sha256) => services.bundles.checkout(sha256),
      runner: { adoptOrphans: false, tracing: new JobRunTracer(tracing, logger, { logs, roleName: config.applicationInsightsRoleName }) },
    });
    return {
      config,
      pipelines,
      ...(trackingUrl ? { trackingUrl } : {}),
      async close() {
        await pipelines.runner.stop();
        await app?.close();
        await tracing?.shutdown();
        await logs?.shutdown();
        await db.close();
      },
    };
  } catch (e) {
    await app?.close();
    await tracing?.shutdown();
    await logs?.shutdown();
    await db.close();
    throw e;
  }
}

export function currentUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

const clock = (t: number) => new Date(t).toISOString().slice(11, 19);

/**
 * Drives the run in this process and prints every task state change until it ends. Ctrl-C
 * cancels the run (a second Ctrl-C leaves at once; the run is then recovered by a server).
 */
export async function followRun(ctx: PipelinesCliContext, jobRunId: number, jobId: number): Promise<JobRunState> {
  const { jobs, runner } = ctx.pipelines;
  runner.start();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    process.stderr.write('canceling the job run (Ctrl-C again to leave now)…\n');
    void jobs.cancel(jobRunId, currentUser()).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  const seen = new Map<string, string>();
  try {
    for (;;) {
      await runner.dispatch(jobId);
      const { run, tasks, attempts } = await jobs.getRun(jobRunId);
      for (const t of tasks) {
        const attempt = attempts.filter((a) => a.taskKey === t.taskKey).at(-1);
        const line = `${t.state}${attempt ? ` (attempt ${attempt.attemptNumber})` : ''}${t.stateMessage ? `: ${t.stateMessage}` : ''}`;
        if (seen.get(t.taskKey) === line || t.state === 'PENDING') continue;
        seen.set(t.taskKey, line);
        process.stdout.write(`${clock(Date.now())}  ${t.taskKey.padEnd(20)} ${line}\n`);
      }
      if (isTerminalJobRunState(run.state) && !runner.isDriving(jobRunId)) {
        const took = run.startTime && run.endTime ? ` in ${((run.endTime - run.startTime) / 1000).toFixed(1)}s` : '';
        process.stdout.write(`job run ${jobRunId} ${run.state}${took}${run.stateMessage ? `: ${run.stateMessage}` : ''}\n`);
        if (run.mlflowRunId) process.stdout.write(`MLflow run ${run.mlflowRunId} (experiment ${run.mlflowExperimentId})\n`);
        return run.state;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function exitCodeFor(state: JobRunState): number {
  return state === 'SUCCESS' || state === 'SUCCESS_WITH_FAILURES' ? 0 : 1;
}
