import { pino } from 'pino';
import type { Logger } from 'pino';

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

/** The one root logger of a process, made by the composition root and passed down. */
export function createLogger(opts: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'modelyard' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that writes nothing (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
