import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { InvalidParameterError } from '../errors.js';
import { isPositiveInt, numberFlag } from './number-flag.js';

interface WorkerFlags {
  queueUri?: string;
  concurrency: string;
  pollSeconds: string;
  drainSeconds: string;
  killGraceSeconds: string;
  logLevel?: string;
  config?: string;
  trackingUri?: string;
  bundleCache?: string;
  logDir?: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'take command tasks from the PostgreSQL task queue of a `modelyard server --task-queue-uri` and run them on this machine. ' +
        'Tasks of jobs deployed with `modelyard deploy` run from their bundle, downloaded from the server and unpacked in --bundle-cache; ' +
        "each task's stdout/stderr is written in --log-dir and shipped to the server over HTTP while it runs (`modelyard jobs logs` reads it there), so worker and server share no disk. " +
        'A running task is stamped alive in the queue database every few seconds; the server fails (and retries per its policy) a task whose worker stopped stamping for 30 s.',
    )
    .option('--queue-uri <uri>', "postgresql://… of the server's task queue (env MODELYARD_TASK_QUEUE_URI)")
    .option('--concurrency <n>', 'command tasks run at once', '4')
    .option('--poll-seconds <s>', 'how often an idle worker asks for a task and a running task is checked for a cancel (at least 0.5)', '1')
    .option('--drain-seconds <s>', 'on SIGTERM/SIGINT: stop taking tasks and let running ones finish this long before stopping them (they end FAILED and are retried per their policy)', '0')
    .option('--kill-grace-seconds <s>', 'between SIGTERM and SIGKILL when stopping a task', '5')
    .option('--tracking-uri <uri>', 'the server bundles are downloaded from and task logs are shipped to (default: the MLFLOW_TRACKING_URI the server gives each task)')
    .option('--log-dir <dir>', "where task logs are written before they reach the server; a task's are deleted once the server has them all (default ~/.local/state/modelyard/attempt-logs)")
    .option('--bundle-cache <dir>', 'where bundles are unpacked, one folder per sha256 (default ~/.cache/modelyard/bundles)')
    .option('--log-level <level>', 'pino level (env MODELYARD_LOG_LEVEL)')
    .option('--config <file>', 'YAML file of settings; its task_queue_uri is used (env MODELYARD_CONFIG)')
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig({ flags: { taskQueueUri: flags.queueUri, logLevel: flags.logLevel }, configFile: flags.config });
      if (!config.taskQueueUri) throw new InvalidParameterError('--queue-uri is required (or MODELYARD_TASK_QUEUE_URI): the postgresql:// URI the server was given as --task-queue-uri');
      const concurrency = numberFlag('--concurrency', flags.concurrency, isPositiveInt, 'an integer of at least 1');
      const pollIntervalMs = numberFlag('--poll-seconds', flags.pollSeconds, (n) => n >= 0.5, 'a number of at least 0.5') * 1000;
      const drainMs = numberFlag('--drain-seconds', flags.drainSeconds, (n) => n >= 0, 'a number of at least 0') * 1000;
      const killGraceMs = numberFlag('--kill-grace-seconds', flags.killGraceSeconds, (n) => n >= 0, 'a number of at least 0') * 1000;
      // Loaded only when the worker starts (not for --help): pg-boss and the process pool.
      const [{ createLogger }, { runQueueWorker, defaultBundleCacheDir, defaultAttemptLogDir }] = await Promise.all([import('../telemetry/logger.js'), import('../worker/pg-queue/queue-worker.js')]);
      const logger = createLogger({ level: config.logLevel });
      const bundles = { cacheDir: flags.bundleCache ? resolve(flags.bundleCache) : defaultBundleCacheDir() };
      const logDir = flags.logDir ? resolve(flags.logDir) : defaultAttemptLogDir();
      const worker = await runQueueWorker({ connectionString: config.taskQueueUri, concurrency, pollIntervalMs, killGraceMs, logger, bundles, logDir, ...(flags.trackingUri ? { serverUri: flags.trackingUri } : {}) });
      process.stdout.write(`Modelyard worker ${worker.workerId} taking command tasks from the task queue (concurrency ${concurrency})\n`);
      const stop = async (signal: string) => {
        logger.info({ signal, running: worker.activeCount }, 'stopping: no new tasks');
        await worker.stop({ drainMs });
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
