import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { connect } from './db/connect.js';
import type { Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { parseStoreUri } from './db/store-uri.js';
import { createArtifactRepositories } from './artifacts/artifact-repositories.js';
import { buildApp } from './http/app.js';
import { keepPollingAfterRequests } from './http/busy-poll.js';
import { createServices } from './services/services.js';
import type { Services } from './services/services.js';
import { createTaskExecutor, taskTypeDeps } from './worker/create-pipelines.js';
import { SpanStore } from './stores/telemetry/span-store.js';
import { JobRunTracer } from './telemetry/job-run-tracer.js';
import { createLogExport, logExportOptionsFromConfig } from './telemetry/log-export.js';
import type { LogExport } from './telemetry/log-export.js';
import type { LogWriteStats } from './telemetry/log-output.js';
import { DEFAULT_TRACE_RETENTION_DAYS, SpanRetention } from './telemetry/span-retention.js';
import { createTracing, tracingOptionsFromConfig } from './telemetry/tracing.js';
import type { Tracing } from './telemetry/tracing.js';

/** How long in-flight requests may take to finish when the server stops. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  db: Db;
  /** `http://host:port` the server answers on. */
  url: string;
  close(): Promise<void>;
}

/**
 * The composition root of `modelyard server`: config → db (migrated) → services → HTTP, listening.
 * Tests use it too, with port 0.
 *
 * `logs` is the log export the caller's logger writes to (see createLogger's `exportTo`): the
 * logger exists before the server, so the caller makes both. Without it the server makes its own
 * from the config, for task output and failures (its own lines then stay in its logger). The
 * server shuts it down when it closes.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  opts: { now?: () => number; logs?: LogExport | undefined; logOutput?: LogWriteStats } = {},
): Promise<RunningServer> {
  // Before the database is opened (or migrated): a server whose artifact stores cannot be reached
  // or authorised must not start (the message names the setting, the URI and what to fix).
  const artifactRepositories = createArtifactRepositories(config);
  try {
    await artifactRepositories.checkAccess();
  } catch (e) {
    artifactRepositories.close();
    throw e;
  }
  const db = connect(parseStoreUri(config.backendStoreUri), { checkpointInBackground: true, statementTimeoutMs: config.statementTimeoutMs });
  let tracing: Tracing | undefined;
  let logs: LogExport | undefined = opts.logs;
  try {
    logs ??= await createLogExport(logExportOptionsFromConfig(config));
    await migrateToLatest(db.db, db.caps);
    const spans = new SpanStore(db.db, db.caps);
    tracing = await createTracing({ logger, sink: spans, ...tracingOptionsFromConfig(config) });
    const stepTracer = tracing.tracer;
    // Task processes log to this server; its URL is known once it listens.
    let trackingUrl: string | undefined;
    // With a task queue, command tasks run in `modelyard worker` processes (worker/pg-queue).
    // Loaded only then: pg-boss is not needed by a server without a queue.
    const commandExecutor = config.taskQueueUri ? new (await import('./worker/pg-queue/pg-queue-executor.js')).PgQueueExecutor({ connectionString: config.taskQueueUri, logger, ...(opts.now ? { now: opts.now } : {}) }) : undefined;
    const taskExecutor = (built: Omit<Services, 'pipelines' | 'bundleDeployer'>) =>
      createTaskExecutor({
        ...(opts.now ? { now: opts.now } : {}),
        ...(commandExecutor ? { commandExecutor } : {}),
        taskTypes: { ...taskTypeDeps({ db: db.db, caps: db.caps, ...built }), tracer: stepTracer },
        // Tasks of bundle-deployed jobs run from the bundle, unpacked in <dataDir>/bundle-cache.
        bundleCheckout: (sha256) => built.bundles.checkout(sha256),
      });
    const services = await createServices({ db: db.db, caps: db.caps, config, logger, artifactRepositories, now: opts.now, taskExecutor, trackingUri: () => trackingUrl, tracing: new JobRunTracer(tracing, logger, { logs, roleName: config.applicationInsightsRoleName }) });
    const app = await buildApp({ config, logger, services, ...(opts.logOutput ? { logOutput: opts.logOutput } : {}), telemetry: { tracer: tracing.tracer, traceUntracedRequests: tracing.exporting, traces: spans, sink: spans } });
    keepPollingAfterRequests(app.server, config.busyPollMicros);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    // Background work starts only once the server listens, and stops before the store closes.
    services.registry.webhookDispatcher.start();
    trackingUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : host}:${port}`;
    services.pipelines.runner.start();
    services.pipelines.scheduler.start();
    services.serving.endpoints.start();
    const spanRetention = new SpanRetention({ store: spans, retentionDays: config.traceRetentionDays ?? DEFAULT_TRACE_RETENTION_DAYS, logger, ...(opts.now ? { now: opts.now } : {}) });
    spanRetention.start();
    let closed = false;
    return {
      app,
      services,
      db,
      url: `http://${host}:${port}`,
      async close() {
        if (closed) return;
        closed = true;
        // Requests in flight get a grace period; then every connection is cut, so a client that
        // holds one open (a half-closed streamed upload, a stuck keep-alive) cannot hold the
        // shutdown for Node's minute-long timeouts.
        const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        cut.unref();
        await app.close();
        clearTimeout(cut);
        await services.serving.endpoints.stop();
        await services.registry.webhookDispatcher.stop();
        await services.pipelines.scheduler.stop();
        await services.pipelines.runner.stop();
        await spanRetention.stop();
        await tracing?.shutdown();
        await logs?.shutdown();
        await db.close();
        // The object stores' keep-alive sockets must not outlive the server (embedders, tests).
        artifactRepositories.close();
      },
    };
  } catch (e) {
    await tracing?.shutdown();
    await logs?.shutdown();
    await db.close();
    artifactRepositories.close();
    throw e;
  }
}
