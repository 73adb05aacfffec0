import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { SpanStore } from '../../src/stores/telemetry/span-store.js';
import { JobRunTracer } from '../../src/telemetry/job-run-tracer.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createTracing } from '../../src/telemetry/tracing.js';
import type { Tracing } from '../../src/telemetry/tracing.js';

/** Log lines written by a logger, parsed. */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
}

export interface TracedProcess {
  spans: SpanStore;
  tracing: Tracing;
  tracer: JobRunTracer;
  logs: LogCapture;
}

/** What a process (a server, a `modelyard run`) wires for tracing job runs, over a test store. */
export async function tracedProcess(store: { db: Kysely<Database>; caps: DbCaps }): Promise<TracedProcess> {
  const logs = new LogCapture();
  const logger = createLogger({ level: 'debug', destination: logs.stream });
  const spans = new SpanStore(store.db, store.caps);
  const tracing = await createTracing({ logger, sink: spans, storeFlushDelayMs: 10 });
  return { spans, tracing, tracer: new JobRunTracer(tracing, logger), logs };
}

/** Records what a task process saw, fails while its attempt number is below argv[2], after argv[3] ms. */
export const TRACED_TASK_SCRIPT = `
  const fs = require('node:fs');
  const e = process.env;
  fs.appendFileSync('traced.jsonl', JSON.stringify({ task: e.MODELYARD_TASK_KEY, attempt: Number(e.MODELYARD_ATTEMPT_NUMBER),
    jobRunId: Number(e.MODELYARD_JOB_RUN_ID), traceparent: e.TRACEPARENT, endpoint: e.MODELYARD_OTLP_TRACES_ENDPOINT }) + '\\n');
  setTimeout(() => {
    if (Number(e.MODELYARD_ATTEMPT_NUMBER) < Number(process.argv[2] || 0)) { console.error('failing attempt ' + e.MODELYARD_ATTEMPT_NUMBER); process.exit(3); }
  }, Number(process.argv[3] || 0));`;
