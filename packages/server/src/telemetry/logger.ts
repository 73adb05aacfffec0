import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LogExport } from './log-export.js';
import { withLogExport } from './pino-log-export.js';
import { stdoutLogOutput } from './log-output.js';
import type { LogOutput } from './log-output.js';

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.connectionString',
  'backendStoreUri',
  'req.headers.cookie',
  'headers.cookie',
  '*.apiKey',
  '*.accessKey',
  'applicationInsightsConnectionString',
  '*.applicationInsightsConnectionString',
  // A task's environment may hold credentials given through the project file.
  'env',
  '*.env',
];

/**
 * The one root logger of a process, made by the composition root and passed down. With
 * `exportTo`, every line is also exported as a log record (Application Insights, OTLP). Without a
 * `destination`, lines go to stdout through a LogOutput: one that cannot be written is dropped.
 */
export function createLogger(opts: { level: string; destination?: NodeJS.WritableStream | LogOutput; exportTo?: LogExport | undefined }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'modelyard' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    withLogExport((opts.destination as pino.DestinationStream | undefined) ?? stdoutLogOutput(), opts.exportTo),
  );
}

/** A logger that writes nothing (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
