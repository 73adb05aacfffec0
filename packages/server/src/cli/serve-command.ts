import type { Command } from 'commander';
import { Client } from '@modelyard/sdk';
import { ClientModelSource } from '../runtime/client-model-source.js';
import type { ScoringServer } from '../serving/scoring-server.js';
import { createLogger } from '../telemetry/logger.js';
import { addModelRuntimeFlags, modelRuntimeOptions } from './model-runtime-flags.js';
import type { ModelRuntimeFlags } from './model-runtime-flags.js';
import { numberFlag } from './number-flag.js';

interface ServeFlags extends ModelRuntimeFlags {
  port: string;
  host: string;
  threads: string;
  refreshSeconds: string;
  inferenceLog?: string;
  bodyLimitMb: string;
  logLevel: string;
}

const positive = (flag: string, value: string) => numberFlag(flag, value, (n) => n > 0, 'a positive number');
const nonNegative = (flag: string, value: string) => numberFlag(flag, value, (n) => n >= 0, 'a non-negative number');

/** A URI whose target can move (an alias, a stage, latest) is worth re-resolving; a fixed version or folder is not. */
function canMove(uri: string): boolean {
  return /^models:/i.test(uri) && !/\/\d+\/?$/.test(uri) && !/^models:\/+m-/i.test(uri);
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description(
      'serve a model over HTTP with MLflow\'s scoring protocol (POST /invocations, GET /ping, /health, /version, /metrics); ' +
        'the model URI may be models:/<name>@<alias>, models:/<name>/<stage|version>, runs:/<run_id>/<path>, a model folder at s3://, wasbs:// or abfss:// ' +
        '(read directly with the environment\'s credentials) or a local folder. Registry and run URIs are resolved against MLFLOW_TRACKING_URI / MLFLOW_REGISTRY_URI.',
    )
    .argument('<model-uri>', 'the model to serve')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('-h, --host <host>', 'address to listen on', '127.0.0.1')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per model', '1')
    .option('--refresh-seconds <s>', 'for an alias or stage URI: re-resolve this often and swap in a new version (0 = never)', '30')
    .option('--inference-log <file>', 'append every request and response as a JSON line to this file')
    .option('--body-limit-mb <mb>', 'largest request body accepted', '10')
    .option('--log-level <level>', 'pino level', 'info');
  addModelRuntimeFlags(command).action(async (uri: string, flags: ServeFlags) => {
    const port = nonNegative('--port', flags.port);
    const threads = positive('--threads', flags.threads);
    const refreshSeconds = nonNegative('--refresh-seconds', flags.refreshSeconds);
    const bodyLimit = Math.round(positive('--body-limit-mb', flags.bodyLimitMb) * 1024 * 1024);
    // The HTTP server and ONNX Runtime load only when serving starts (not for --help).
    const [{ ModelRuntime }, { startScoringServer }] = await Promise.all([import('../runtime/model-runtime.js'), import('../serving/scoring-server.js')]);
    const logger = createLogger({ level: flags.logLevel });
    const runtime = new ModelRuntime({ source: new ClientModelSource(new Client()), intraOpNumThreads: threads, ...modelRuntimeOptions(flags, logger) });
    let server: ScoringServer;
    try {
      server = await startScoringServer({
        runtime,
        modelUri: uri,
        host: flags.host,
        port,
        refreshMs: canMove(uri) ? refreshSeconds * 1000 : 0,
        bodyLimit,
        logger,
        ...(flags.inferenceLog ? { inferenceLogPath: flags.inferenceLog } : {}),
      });
    } catch (e) {
      throw new Error(`cannot serve '${uri}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const model = server.slot.current;
    logger.info({ uri, url: server.url, name: model?.name, version: model?.version, runtime: model?.runtime, ...(model?.python ? { loader: model.python.loader, python: model.python.executable, workers: model.python.pids().length } : {}) }, 'scoring server listening');
    process.stdout.write(`Serving ${uri}${model?.version ? ` (version ${model.version})` : ''} on ${server.url}\n`);
    const stop = async () => {
      await server.close();
      await runtime.clear();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}
