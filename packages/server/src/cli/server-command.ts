import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { checkNetworkExposure } from '../config/network-exposure.js';
import type { RunningServer } from '../server-process.js';
import { addStoreOptions, flagsToConfig } from './store-options.js';
import type { ServerFlags } from './store-options.js';

/** Longest a SIGTERM/SIGINT shutdown may take: in-flight requests get 5 s (server-process.ts), the rest is closing stores. */
const SHUTDOWN_DEADLINE_MS = 15_000;

export function registerServerCommand(program: Command): void {
  const cmd = program
    .command('server')
    .description('run the MLflow-compatible tracking server (SQLite by default, PostgreSQL by --backend-store-uri)')
    .option('-h, --host <host>', 'address to listen on (env MODELYARD_HOST); anything but loopback needs --allow-unauthenticated until the server has authentication', undefined)
    .option('--allow-unauthenticated', 'listen on a non-loopback --host although the server has no authentication (behind an authenticating proxy); logged as a warning (env MODELYARD_ALLOW_UNAUTHENTICATED)')
    .option('-p, --port <port>', 'port to listen on (env MODELYARD_PORT; default 5000)')
    .option('--artifacts-destination <uri>', 'where proxied artifacts (mlflow-artifacts:/) are stored: a local folder, s3://<bucket>/<path>, wasbs://<container>@<account>.blob.core.windows.net/<path> or abfss://<container>@<account>.dfs.core.windows.net/<path>; checked at start (default <data-dir>/artifacts)')
    .option('--default-artifact-root <uri>', "artifact root of new experiments (default 'mlflow-artifacts:/', served by this server; with --no-serve-artifacts the artifacts destination)")
    .option('--serve-artifacts', 'serve the artifact proxy /api/2.0/mlflow-artifacts (the default; env MODELYARD_SERVE_ARTIFACTS)')
    .option('--no-serve-artifacts', 'do not serve the artifact proxy: clients read and write the default artifact root themselves')
    .option('--allowed-artifact-roots <roots>', 'comma-separated local folders and object-store URIs that experiments\' artifact_location and model sources may also point into for the server to read; other local paths are refused, other buckets and containers are not read (env MODELYARD_ALLOWED_ARTIFACT_ROOTS)')
    .option('--log-level <level>', 'pino level: trace, debug, info, warn, error (env MODELYARD_LOG_LEVEL)')
    .option('--otlp-endpoint <url>', 'also export trace spans and log records to this OTLP/HTTP collector, e.g. http://localhost:4318 (env OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--trace-retention-days <days>', 'delete stored trace spans older than this, hourly; 0 keeps them forever (env MODELYARD_TRACE_RETENTION_DAYS; default 30)')
    .option('--task-queue-uri <uri>', 'run command tasks through this PostgreSQL queue (pg-boss, schema pgboss; may be the backend store database) on `modelyard worker` processes instead of local child processes (env MODELYARD_TASK_QUEUE_URI)')
    .option('--busy-poll-micros <µs>', 'after each request, poll this long for the next one before letting the CPU sleep: lower latency for back-to-back clients such as training loops, at most this much CPU per request; 0 turns it off (env MODELYARD_BUSY_POLL_MICROS; default 500)')
    .option('--webhook-allow-hosts <hosts>', 'comma-separated host names, IPs and CIDR ranges that webhooks may call although internal (loopback, private, link-local…); others are refused (env MODELYARD_WEBHOOK_ALLOW_HOSTS)')
    .option('--statement-timeout-ms <ms>', 'PostgreSQL cancels any store statement running longer, and the request answers 400 saying so; 0 turns it off; no effect on SQLite (env MODELYARD_STATEMENT_TIMEOUT_MS; default 30000)')
    .option('--headers-timeout-ms <ms>', 'close a connection whose request headers have not all arrived within this (env MODELYARD_HEADERS_TIMEOUT_MS; default 30000)')
    .option('--keep-alive-timeout-ms <ms>', 'close an idle keep-alive connection after this (env MODELYARD_KEEP_ALIVE_TIMEOUT_MS; default 65000)')
    .option('--body-idle-timeout-ms <ms>', 'close a connection whose request body or response makes no progress for this long; per pause, so slow but steady uploads succeed (env MODELYARD_BODY_IDLE_TIMEOUT_MS; default 60000)')
    .option('--request-timeout-ms <ms>', 'close a connection whose request body has not all arrived within this; streamed artifact uploads are exempt (env MODELYARD_REQUEST_TIMEOUT_MS; default 300000)')
    .option('--max-connections <n>', 'most client connections at once; 0 derives it from the open-file limit, keeping a quarter for files and the database (env MODELYARD_MAX_CONNECTIONS; default 0)')
    .option('--flavor <flavor>', 'which flavor runs a model that has both: auto (ONNX when the model has it, else its python_function flavor in Python), onnx or python (env MODELYARD_MODEL_FLAVOR; default auto)')
    .option('--env-manager <manager>', "Python environment of python_function models, as MLflow's --env-manager: local (the interpreter as it is), virtualenv, uv or conda (build each model's environment from its python_env.yaml, conda.yaml or requirements.txt, cached under <data-dir>/python-envs) (env MODELYARD_PYTHON_ENV_MANAGER; default local)")
    .option('--python <path>', 'Python interpreter of python_function models, or the base interpreter of built environments (env MODELYARD_PYTHON_EXECUTABLE; default python3 on PATH)')
    .option('--python-workers <n>', 'Python worker processes per python_function model; 0 is one per core (env MODELYARD_PYTHON_WORKERS; default 0)')
    .option('--python-timeout-ms <ms>', 'a Python worker call running longer is stopped: the request answers 503 and the worker is replaced (env MODELYARD_PYTHON_TIMEOUT_MS; default 60000, MLflow\'s scoring timeout)')
    .option('--python-idle-stop-ms <ms>', "stop the Python workers of a model that no serving endpoint serves and no task uses after this long unused; its next use starts them again; 0 keeps them (env MODELYARD_PYTHON_IDLE_STOP_MS; default 600000)")
    .option('--demo <project-file>', 'once listening, deploy this project and run each of its jobs that has no schedule (scheduled ones are deployed only), then print a summary (npm start uses examples/modelyard.yaml)')
    .option('--demo-only', 'with --demo: stop when the demo is done (exit 0 if it succeeded)');
  addStoreOptions(cmd);
  cmd.action(async (flags: ServerFlags & { demo?: string; demoOnly?: boolean }) => {
    const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
    const exposure = checkNetworkExposure(config);
    // Loaded here, not at start-up: the server pulls in everything (see program.ts).
    const [{ createLogger }, { startServer }, { createLogExport, logExportOptionsFromConfig }, { stdoutLogOutput }] = await Promise.all([
      import('../telemetry/logger.js'),
      import('../server-process.js'),
      import('../telemetry/log-export.js'),
      import('../telemetry/log-output.js'),
    ]);
    // stdout is often a log file on the disk that fills up: its lines are dropped and counted
    // (GET /api/3.0/mlflow/server-info), and a failed write of the lines below must not crash the
    // server (an 'error' on process.stdout with no listener is an uncaught exception).
    process.stdout.on('error', () => {});
    const logOutput = stdoutLogOutput();
    // Made before the logger, which writes to it: the server's own lines are exported too.
    const logs = await createLogExport(logExportOptionsFromConfig(config));
    const logger = createLogger({ level: config.logLevel, exportTo: logs, destination: logOutput });
    if (exposure) logger.warn(exposure);
    const server = await startServer(config, logger, { logs, logOutput });
    logger.info({ url: server.url, artifacts: config.artifactsDestination }, 'modelyard server listening');
    process.stdout.write(`Modelyard server listening on ${server.url}\n`);
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      // A shutdown that cannot finish (a store that will not close) must still end the process.
      setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
      try {
        await server.close();
      } catch (err) {
        logger.error({ err }, 'shutdown did not complete cleanly');
        process.exitCode = 1;
      }
      process.exit();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    if (flags.demo) await runServerDemo(server, flags.demo, flags.demoOnly === true);
  });
}

async function runServerDemo(server: RunningServer, projectFile: string, exitAfter: boolean): Promise<void> {
  const { runDemo } = await import('./demo/run-demo.js');
  let ok = false;
  try {
    ok = (await runDemo({ projectFile, services: server.services, serverUrl: server.url, write: (t) => process.stdout.write(t) })).ok;
  } catch (e) {
    process.stderr.write(`[demo] ${(e as Error).message}\n`);
  }
  if (!exitAfter) {
    process.stdout.write(`[demo] ${ok ? 'done' : 'did not fully succeed (see above)'}; the server keeps running on ${server.url} (Ctrl-C stops it)\n`);
    return;
  }
  await server.close();
  process.exit(ok ? 0 : 1);
}
