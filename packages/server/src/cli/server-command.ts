import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import type { RunningServer } from '../server-process.js';
import { addStoreOptions, flagsToConfig } from './store-options.js';
import type { ServerFlags } from './store-options.js';

export function registerServerCommand(program: Command): void {
  const cmd = program
    .command('server')
    .description('run the MLflow-compatible tracking server (SQLite by default, PostgreSQL by --backend-store-uri)')
    .option('-h, --host <host>', 'address to listen on (env MODELYARD_HOST)', undefined)
    .option('-p, --port <port>', 'port to listen on (env MODELYARD_PORT; default 5000)')
    .option('--artifacts-destination <dir>', 'where proxied artifacts (mlflow-artifacts:/) are stored (default <data-dir>/artifacts)')
    .option('--default-artifact-root <uri>', "artifact root of new experiments (default 'mlflow-artifacts:/', served by this server)")
    .option('--allowed-artifact-roots <dirs>', 'comma-separated local folders that experiments\' artifact_location and model sources may also point into; other local paths are refused (env MODELYARD_ALLOWED_ARTIFACT_ROOTS)')
    .option('--log-level <level>', 'pino level: trace, debug, info, warn, error (env MODELYARD_LOG_LEVEL)')
    .option('--otlp-endpoint <url>', 'also export trace spans to this OTLP/HTTP collector, e.g. http://localhost:4318 (env OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--trace-retention-days <days>', 'delete stored trace spans older than this, hourly; 0 keeps them forever (env MODELYARD_TRACE_RETENTION_DAYS; default 30)')
    .option('--task-queue-uri <uri>', 'run command tasks through this PostgreSQL queue (pg-boss, schema pgboss; may be the backend store database) on `modelyard worker` processes instead of local child processes (env MODELYARD_TASK_QUEUE_URI)')
    .option('--busy-poll-micros <µs>', 'after each request, poll this long for the next one before letting the CPU sleep: lower latency for back-to-back clients such as training loops, at most this much CPU per request; 0 turns it off (env MODELYARD_BUSY_POLL_MICROS; default 500)')
    .option('--webhook-allow-hosts <hosts>', 'comma-separated host names, IPs and CIDR ranges that webhooks may call although internal (loopback, private, link-local…); others are refused (env MODELYARD_WEBHOOK_ALLOW_HOSTS)')
    .option('--statement-timeout-ms <ms>', 'PostgreSQL cancels any store statement running longer, and the request answers 400 saying so; 0 turns it off; no effect on SQLite (env MODELYARD_STATEMENT_TIMEOUT_MS; default 30000)')
    .option('--demo <project-file>', 'once listening, deploy this project and run each of its jobs that has no schedule (scheduled ones are deployed only), then print a summary (npm start uses examples/modelyard.yaml)')
    .option('--demo-only', 'with --demo: stop when the demo is done (exit 0 if it succeeded)');
  addStoreOptions(cmd);
  cmd.action(async (flags: ServerFlags & { demo?: string; demoOnly?: boolean }) => {
    const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
    // Loaded here, not at start-up: the server pulls in everything (see program.ts).
    const [{ createLogger }, { startServer }] = await Promise.all([import('../telemetry/logger.js'), import('../server-process.js')]);
    const logger = createLogger({ level: config.logLevel });
    const server = await startServer(config, logger);
    logger.info({ url: server.url, artifacts: config.artifactsDestination }, 'modelyard server listening');
    process.stdout.write(`Modelyard server listening on ${server.url}\n`);
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await server.close();
      process.exit(0);
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
