import type { Kysely, Selectable } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { TraceSpansTable } from '../../db/schema-telemetry.js';
import { ATTR, OPERATIONS } from '../../telemetry/attribute-names.js';
import type { SpanAttributes, SpanAttributeValue, SpanEventRecord, SpanKindName, SpanRecord, SpanSink, SpanStatusName } from '../../telemetry/span-record.js';
import { percentile } from '../../telemetry/trace-queries.js';
import type { StageDuration, StageDurationFilter, TraceFilter, TraceQueries, TraceSummary } from '../../telemetry/trace-queries.js';

/** 18 columns a row: well under SQLite's 32766 bound parameters per statement. */
const INSERT_CHUNK = 400;
/** The newest spans looked at to find recent traces when no filter narrows the list. */
const RECENT_SPAN_WINDOW = 5000;
/** Task attempts read for one job's stage durations. */
const STAGE_SAMPLE_LIMIT = 50_000;

type Row = Selectable<TraceSpansTable>;

function str(v: SpanAttributeValue | undefined): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

function int(v: SpanAttributeValue | undefined): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

function toRow(s: SpanRecord): Row {
  const a = s.attributes;
  return {
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId,
    name: s.name.slice(0, 1000),
    kind: s.kind,
    start_time_us: s.startTimeUs,
    end_time_us: s.endTimeUs,
    status_code: s.statusCode,
    status_message: s.statusMessage,
    service_name: s.serviceName?.slice(0, 256) ?? null,
    operation: str(a[ATTR.operation])?.slice(0, 32) ?? null,
    job_run_id: int(a[ATTR.jobRunId]),
    job_key: str(a[ATTR.jobKey])?.slice(0, 100) ?? null,
    task_key: str(a[ATTR.taskKey])?.slice(0, 100) ?? null,
    mlflow_run_id: str(a[ATTR.runId])?.slice(0, 64) ?? null,
    mlflow_experiment_id: str(a[ATTR.experimentId])?.slice(0, 32) ?? null,
    attributes_json: JSON.stringify(a),
    events_json: s.events.length > 0 ? JSON.stringify(s.events) : null,
  };
}

function fromRow(r: Row): SpanRecord {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    kind: r.kind as SpanKindName,
    startTimeUs: Number(r.start_time_us),
    endTimeUs: Number(r.end_time_us),
    statusCode: r.status_code as SpanStatusName,
    statusMessage: r.status_message,
    serviceName: r.service_name,
    attributes: JSON.parse(r.attributes_json) as SpanAttributes,
    events: r.events_json ? (JSON.parse(r.events_json) as SpanEventRecord[]) : [],
  };
}

/** Stored trace spans: written by the tracing (SpanSink), read by the traces API and CLI (TraceQueries). */
export class SpanStore implements SpanSink, TraceQueries {
  constructor(
    private readonly db: Kysely<Database>,
    readonly caps: DbCaps,
  ) {}

  async insertSpans(spans: SpanRecord[]): Promise<void> {
    // One statement must not name a key twice (PostgreSQL refuses to update a row twice): last copy wins.
    const byKey = new Map<string, Row>();
    for (const s of spans) byKey.set(`${s.traceId}/${s.spanId}`, toRow(s));
    const rows = [...byKey.values()];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('trace_spans')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) =>
          oc.columns(['trace_id', 'span_id']).doUpdateSet((eb) => ({
            parent_span_id: eb.ref('excluded.parent_span_id'),
            name: eb.ref('excluded.name'),
            kind: eb.ref('excluded.kind'),
            start_time_us: eb.ref('excluded.start_time_us'),
            end_time_us: eb.ref('excluded.end_time_us'),
            status_code: eb.ref('excluded.status_code'),
            status_message: eb.ref('excluded.status_message'),
            service_name: eb.ref('excluded.service_name'),
            operation: eb.ref('excluded.operation'),
            job_run_id: eb.ref('excluded.job_run_id'),
            job_key: eb.ref('excluded.job_key'),
            task_key: eb.ref('excluded.task_key'),
            mlflow_run_id: eb.ref('excluded.mlflow_run_id'),
            mlflow_experiment_id: eb.ref('excluded.mlflow_experiment_id'),
            attributes_json: eb.ref('excluded.attributes_json'),
            events_json: eb.ref('excluded.events_json'),
          })),
        )
        .execute();
    }
  }

  async getTrace(traceId: string): Promise<SpanRecord[]> {
    const rows = await this.db.selectFrom('trace_spans').selectAll().where('trace_id', '=', traceId).orderBy('start_time_us').orderBy('span_id').execute();
    return rows.map(fromRow);
  }

  async listTraces(filter: TraceFilter): Promise<TraceSummary[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
    const ids = await this.matchingTraceIds(filter, limit);
    if (ids.length === 0) return [];
    const totals = await this.db
      .selectFrom('trace_spans')
      .where('trace_id', 'in', ids)
      .groupBy('trace_id')
      .select((eb) => [
        'trace_id',
        eb.fn.countAll<number>().as('span_count'),
        eb.fn.min<number>('start_time_us').as('start_time_us'),
        eb.fn.max<number>('end_time_us').as('end_time_us'),
        eb.fn.sum<number>(eb.case().when('status_code', '=', 'ERROR').then(1).else(0).end()).as('error_count'),
        eb.fn.max<number | null>('job_run_id').as('job_run_id'),
        eb.fn.max<string | null>('job_key').as('job_key'),
        eb.fn.max<string | null>('mlflow_run_id').as('mlflow_run_id'),
        eb.fn.max<string | null>('mlflow_experiment_id').as('mlflow_experiment_id'),
      ])
      .execute();
    const roots = await this.db.selectFrom('trace_spans').selectAll().where('trace_id', 'in', ids).where('parent_span_id', 'is', null).orderBy('start_time_us').execute();
    const rootOf = new Map<string, Row>();
    for (const r of roots) if (!rootOf.has(r.trace_id)) rootOf.set(r.trace_id, r);
    return totals
      .map((t) => {
        const root = rootOf.get(t.trace_id);
        return {
          traceId: t.trace_id,
          root: root ? fromRow(root) : undefined,
          startTimeUs: Number(t.start_time_us),
          endTimeUs: Number(t.end_time_us),
          spanCount: Number(t.span_count),
          errorCount: Number(t.error_count ?? 0),
          jobRunId: t.job_run_id === null ? null : Number(t.job_run_id),
          jobKey: t.job_key,
          runId: t.mlflow_run_id,
          experimentId: t.mlflow_experiment_id,
        };
      })
      .sort((a, b) => b.startTimeUs - a.startTimeUs || (a.traceId < b.traceId ? -1 : 1));
  }

  private async matchingTraceIds(filter: TraceFilter, limit: number): Promise<string[]> {
    if (filter.traceId !== undefined) return [filter.traceId];
    let q = this.db.selectFrom('trace_spans');
    if (filter.jobRunId !== undefined) q = q.where('job_run_id', '=', filter.jobRunId);
    else if (filter.runId !== undefined) q = q.where('mlflow_run_id', '=', filter.runId);
    else if (filter.jobKey !== undefined) q = q.where('job_key', '=', filter.jobKey);
    else {
      // Unfiltered: the traces of the newest spans, found through the start-time index rather
      // than by grouping the whole table.
      const recent = await q.select('trace_id').orderBy('start_time_us', 'desc').limit(RECENT_SPAN_WINDOW).execute();
      return [...new Set(recent.map((r) => r.trace_id))].slice(0, limit);
    }
    const rows = await q
      .groupBy('trace_id')
      .select((eb) => ['trace_id', eb.fn.min<number>('start_time_us').as('first_start')])
      .orderBy('first_start', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.trace_id);
  }

  async stageDurations(filter: StageDurationFilter): Promise<StageDuration[]> {
    let q = this.db
      .selectFrom('trace_spans')
      .select(['trace_id', 'task_key', 'start_time_us', 'end_time_us', 'status_code'])
      .where('job_key', '=', filter.jobKey)
      .where('operation', '=', OPERATIONS.taskAttempt)
      .where('task_key', 'is not', null);
    if (filter.sinceMs !== undefined) q = q.where('start_time_us', '>=', filter.sinceMs * 1000);
    const rows = await q.orderBy('start_time_us', 'desc').limit(STAGE_SAMPLE_LIMIT).execute();
    // Percentiles are computed here: SQLite has no percentile function, and one code path for
    // both dialects beats two SQL variants for a query over a bounded sample.
    const byTask = new Map<string, { durationsMs: number[]; failed: number }>();
    for (const r of rows) {
      const key = r.task_key!;
      const entry = byTask.get(key) ?? { durationsMs: [], failed: 0 };
      entry.durationsMs.push((Number(r.end_time_us) - Number(r.start_time_us)) / 1000);
      if (r.status_code === 'ERROR') entry.failed++;
      byTask.set(key, entry);
    }
    // Stages in pipeline order: by when each started in the newest trace that has it.
    const newestTrace = rows[0]?.trace_id;
    const order = new Map<string, number>();
    for (const r of rows) if (r.trace_id === newestTrace) order.set(r.task_key!, Math.min(order.get(r.task_key!) ?? Infinity, Number(r.start_time_us)));
    return [...byTask.entries()]
      .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b))
      .map(([taskKey, { durationsMs, failed }]) => {
        const sorted = [...durationsMs].sort((x, y) => x - y);
        const round = (n: number) => Math.round(n * 1000) / 1000;
        return {
          taskKey,
          count: sorted.length,
          failedCount: failed,
          meanMs: round(sorted.reduce((s, d) => s + d, 0) / sorted.length),
          p50Ms: round(percentile(sorted, 50)),
          p95Ms: round(percentile(sorted, 95)),
          maxMs: round(sorted[sorted.length - 1]!),
        };
      });
  }

  /** Deletes spans that started before the cutoff (retention). Returns how many went. */
  async deleteStartedBefore(cutoffMs: number): Promise<number> {
    const r = await this.db.deleteFrom('trace_spans').where('start_time_us', '<', cutoffMs * 1000).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
