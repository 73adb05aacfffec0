import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import type { ConfigInput } from '../config/config.js';
import { startServer } from '../server-process.js';
import type { RunningServer } from '../server-process.js';
import { runDemo } from './demo/run-demo.js';
import { createLogger } from '../telemetry/logger.js';

export interface ServerFlags {
  host?: string;
  port?: string;
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  dataDir?: string;
  config?: string;
  logLevel?: string;
  otlpEndpoint?: string;
  traceRetentionDays?: string;
}

export function flagsToConfig(flags: ServerFlags): ConfigInput {
  return {
    host: flags.host,
    port: flags.port,
    backendStoreUri: flags.backendStoreUri,
    artifactsDestination: flags.artifactsDestination,
    defaultArtifactRoot: flags.defaultArtifactRoot,
    dataDir: flags.dataDir,
    logLevel: flags.logLevel,
    otlpEndpoint: flags.otlpEndpoint,
    traceRetentionDays: flags.traceRetentionDays,
  };
}

/** Store options shared by every command that opens the database. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--backend-store-uri <uri>', 'sqlite:///path.db or postgresql://user@host:port/db (env MODELYARD_BACKEND_STORE_URI; default <data-dir>/modelyard.db)')
    .option('--data-dir <dir>', 'folder of the embedded default store and artifacts (env MODELYARD_DATA_DIR)', undefined)
    .option('--config <file>', 'YAML file of settings (env MODELYARD_CONFIG)');
}

export function registerServerCommand(program: Command): void {
  const cmd = program
    .command('server')
    .description('run the MLflow-compatible tracking server (SQLite by default, PostgreSQL by --backend-store-uri)')
    .option('-h, --host <host>', 'address to listen on (env MODELYARD_HOST)', undefined)
    .option('-p, --port <port>', 'port to listen on (env MODELYARD_PORT; default 5000)')
    .option('--artifacts-destination <dir>', 'where proxied artifacts (mlflow-artifacts:/) are stored (default <data-dir>/artifacts)')
    .option('--default-artifact-root <uri>', "artifact root of new experiments (default 'mlflow-artifacts:/', served by this server)")
    .option('--log-level <level>', 'pino level: trace, debug, info, warn, error (env MODELYARD_LOG_LEVEL)')
    .option('--otlp-endpoint <url>', 'also export trace spans to this OTLP/HTTP collector, e.g. http://localhost:4318 (env OTEL_EXPORTER_OTLP_ENDPOINT)')
    .option('--trace-retention-days <days>', 'delete stored trace spans older than this, hourly; 0 keeps them forever (env MODELYARD_TRACE_RETENTION_DAYS; default 30)')
    .option('--demo <project-file>', 'once listening, deploy this project and run its first job, then print a summary (npm start uses examples/modelyard.yaml)')
    .option('--demo-only', 'with --demo: stop when the demo is done (exit 0 if it succeeded)');
  addStoreOptions(cmd);
  cmd.action(async (flags: ServerFlags & { demo?: string; demoOnly?: boolean }) => {
    const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
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
