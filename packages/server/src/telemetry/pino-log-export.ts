import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { pino } from 'pino';
import { DIMENSIONS } from './app-insights-dimensions.js';
import type { ExportedLog, LogExport, LogSeverity } from './log-export.js';

/** pino's level numbers. */
function severityOf(level: unknown): LogSeverity {
  const n = typeof level === 'number' ? level : 30;
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return 'trace';
}

/** Fields of a line that are not dimensions: the record has them in its own slots. */
const NOT_DIMENSIONS = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'service', 'err']);

/** Our log fields under the names the seeds' queries use (see app-insights-dimensions). */
const RENAMED: Record<string, string> = { run_id: DIMENSIONS.runId, experiment_id: DIMENSIONS.experimentId };

/** A nested value (an object logged as a field) as one dimension, bounded. */
const MAX_FIELD_CHARS = 8192;

function attributeValue(v: unknown): AttributeValue | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === null || v === undefined) return undefined;
  const text = JSON.stringify(v);
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS - 1)}…` : text;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * One pino line as an exported record: `msg` the body, the line's other fields its dimensions
 * (`run_id`/`experiment_id` as `mlflow_run_id`/`mlflow_experiment_id`), `trace_id`/`span_id`
 * its context. An error (`err`) at `error` or above that no request span carries becomes an
 * exception (`exception.*` attributes, which Azure Monitor turns into an `exceptions` row); a
 * request's failure is already its span's exception event, and a second row would count it twice.
 * Lines already went through the logger's redaction.
 */
export function pinoLineToLog(line: string): ExportedLog | undefined {
  let fields: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    fields = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const severity = severityOf(fields.level);
  const attributes: Attributes = {};
  for (const [k, v] of Object.entries(fields)) {
    if (NOT_DIMENSIONS.has(k)) continue;
    const value = attributeValue(v);
    if (value !== undefined) attributes[RENAMED[k] ?? k] = value;
  }
  const err = fields.err;
  if (typeof err === 'object' && err !== null) {
    const e = err as Record<string, unknown>;
    const type = text(e.type) ?? 'Error';
    const message = text(e.message) ?? '';
    const stack = text(e.stack) ?? `${type}: ${message}`;
    const asException = (severity === 'error' || severity === 'fatal') && fields.request_id === undefined;
    const prefix = asException ? 'exception' : 'error';
    attributes[`${prefix}.type`] = type;
    attributes[`${prefix}.message`] = message;
    attributes[`${prefix}.${asException ? 'stacktrace' : 'stack'}`] = stack;
  }
  const time = typeof fields.time === 'string' ? Date.parse(fields.time) : typeof fields.time === 'number' ? fields.time : NaN;
  return {
    body: text(fields.msg) ?? (typeof err === 'object' && err !== null ? (text((err as Record<string, unknown>).message) ?? '') : ''),
    severity,
    ...(Number.isFinite(time) ? { time } : {}),
    attributes,
    ...(text(fields.trace_id) ? { traceId: fields.trace_id as string } : {}),
    ...(text(fields.span_id) ? { spanId: fields.span_id as string } : {}),
  };
}

/**
 * The logger's destination plus the export: each line is written as before and handed to the
 * export as a record. Only made when an exporter is configured, so a process that exports
 * nothing parses nothing.
 */
export function withLogExport(destination: pino.DestinationStream, logs: LogExport | undefined): pino.DestinationStream {
  if (!logs) return destination;
  const exportStream = {
    write(line: string) {
      const log = pinoLineToLog(line);
      if (log) logs.emit(log);
    },
  };
  // `trace`: the logger's own level already chose the lines; every stream takes all it writes.
  return pino.multistream([
    { level: 'trace', stream: destination },
    { level: 'trace', stream: exportStream },
  ]);
}
