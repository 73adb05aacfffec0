import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import { rawQuery } from '../../db/raw-insert.js';
import { query, valuesList } from '../../db/sql-program.js';
import type { SqlProgram } from '../../db/sql-program.js';
import type { Database } from '../../db/schema.js';
import type { Metric } from '../../domain/tracking.js';
import { decodeHistoryCursor, encodeHistoryCursor } from './history-cursor.js';
import type { HistoryCursor } from './history-cursor.js';

/** Rows per multi-row INSERT: 5 bound values each, far below both drivers' parameter limits. */
const INSERT_CHUNK = 1000;

export interface HistoryPage {
  metrics: Metric[];
  nextPageToken?: string;
}

/**
 * Metric points. Each (run, key) series has one `latest_metrics` row holding its newest point
 * and a small integer `series_id`; `metric_points` stores every point under that id, clustered
 * by (series_id, step), so a history read is one index range however large the table grows.
 */
export class MetricStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly caps: DbCaps,
  ) {}

  /**
   * Writes points, as part of the caller's transaction program (db/sql-program.ts). Per key, the
   * newest point of the batch is upserted into latest_metrics — it replaces the stored one only
   * when it is newer by MLflow's rule (higher step, then later timestamp, then larger value) — and
   * every point is appended. SQL text, not the builder: this is the hottest path of the server
   * (every log-metric and log-batch call).
   */
  *write(runId: string, experimentId: number, metrics: Metric[]): SqlProgram<void> {
    if (metrics.length === 0) return;
    const latest = [...newestPerKey(metrics).values()];
    const seriesIds = new Map<string, number>();
    for (let i = 0; i < latest.length; i += INSERT_CHUNK) {
      const chunk = latest.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      for (const m of chunk) params.push(runId, m.key, storedValue(m.value), m.timestamp, m.step, Number.isNaN(m.value) ? 1 : 0);
      const ids = yield* query<{ series_id: number | string; key: string }>(upsertLatestSql(chunk.length), params);
      for (const r of ids) seriesIds.set(r.key, Number(r.series_id));
    }
    for (let i = 0; i < metrics.length; i += INSERT_CHUNK) {
      const chunk = metrics.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      for (const m of chunk) params.push(seriesIds.get(m.key)!, m.step, m.timestamp, Number.isNaN(m.value) ? 1 : 0, storedValue(m.value));
      yield* query(insertPointsSql(chunk.length), params);
    }
    const modelMetrics = metrics.filter((m) => m.modelId);
    for (let i = 0; i < modelMetrics.length; i += INSERT_CHUNK) {
      const chunk = modelMetrics.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      for (const m of chunk) {
        params.push(m.modelId, m.key, m.timestamp, m.step, storedValue(m.value), Number.isNaN(m.value) ? 1 : 0, experimentId, runId, m.datasetName ?? null, m.datasetDigest ?? null);
      }
      yield* query(
        `insert into logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, is_nan, experiment_id, run_id, dataset_name, dataset_digest) values ${valuesList(chunk.length, 10)} on conflict do nothing`,
        params,
      );
    }
  }

  /**
   * Whether `writeAlone` can store these points by itself, outside any transaction: on PostgreSQL,
   * points not attributed to a logged model (those also go to logged_model_metrics).
   */
  canWriteAlone(metrics: Metric[]): boolean {
    return this.caps.dialect === 'postgres' && metrics.every((m) => !m.modelId);
  }

  /**
   * The same write as `write`, as ONE statement (PostgreSQL only, see `canWriteAlone`): the
   * latest_metrics upsert is a data-modifying CTE whose RETURNING feeds the metric_points insert.
   * A single statement is atomic and committed when it returns, so this saves the BEGIN and
   * COMMIT round trips (4 → 1 per log-metric / log-batch). SQLite has no DML in CTEs, hence the
   * branch. The rows travel as 5 + 6 array parameters, so the SQL text is the same for any batch
   * size (PostgreSQL parses and plans one short statement, not a 1,000-row VALUES list).
   *
   * The statement writes only while the run exists and is active, and holds a share lock on its
   * row meanwhile (a concurrent delete waits for it); it returns whether it found the run so.
   */
  async writeAlone(runId: string, metrics: Metric[]): Promise<boolean> {
    const latest = [...newestPerKey(metrics).values()];
    const n = metrics.length;
    const keys: string[] = new Array(n);
    const steps: number[] = new Array(n);
    const times: number[] = new Array(n);
    const nans: number[] = new Array(n);
    const values: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const m = metrics[i]!;
      keys[i] = m.key;
      steps[i] = m.step;
      times[i] = m.timestamp;
      nans[i] = Number.isNaN(m.value) ? 1 : 0;
      values[i] = storedValue(m.value);
    }
    const { rows } = await this.db.executeQuery(
      rawQuery<{ written: number }>(PG_WRITE_ALONE, [
        runId,
        latest.map((m) => m.key),
        latest.map((m) => storedValue(m.value)),
        latest.map((m) => m.timestamp),
        latest.map((m) => m.step),
        latest.map((m) => (Number.isNaN(m.value) ? 1 : 0)),
        keys,
        steps,
        times,
        nans,
        values,
      ]),
    );
    return rows[0]!.written > 0;
  }

  /** The newest point of every metric of the given runs, keyed by run id. */
  async latestOf(runIds: string[]): Promise<Map<string, Metric[]>> {
    const out = new Map<string, Metric[]>();
    if (runIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('latest_metrics')
      .select(['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'])
      .where('run_uuid', 'in', runIds)
      .orderBy('key')
      .execute();
    for (const r of rows) {
      const list = out.get(r.run_uuid) ?? [];
      list.push({ key: r.key, value: r.is_nan ? Number.NaN : Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step) });
      out.set(r.run_uuid, list);
    }
    return out;
  }

  private async seriesId(runId: string, key: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('latest_metrics')
      .select('series_id')
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? Number(row.series_id) : undefined;
  }

  /**
   * One page of a metric's history in (step, timestamp, value) order. The page token is a
   * keyset cursor, so reading page 100 of a long history costs the same as page 1.
   */
  async history(runId: string, key: string, maxResults: number | undefined, pageToken?: string): Promise<HistoryPage> {
    const series = await this.seriesId(runId, key);
    if (series === undefined) return { metrics: [] };
    const after: HistoryCursor | undefined = decodeHistoryCursor(pageToken);
    let q = this.db
      .selectFrom('metric_points')
      .select(['step', 'timestamp', 'is_nan', 'value'])
      .where('series_id', '=', series);
    if (after) {
      q = q.where(
        sql<boolean>`(step, timestamp, is_nan, value) > (${after.step}, ${after.timestamp}, ${after.isNan}, ${after.value})`,
      );
    }
    q = q.orderBy('step').orderBy('timestamp').orderBy('is_nan').orderBy('value');
    if (maxResults !== undefined) q = q.limit(maxResults + 1);
    const rows = await q.execute();
    const more = maxResults !== undefined && rows.length > maxResults;
    const page = more ? rows.slice(0, maxResults) : rows;
    const metrics = page.map((r) => ({
      key,
      value: r.is_nan ? Number.NaN : Number(r.value),
      timestamp: Number(r.timestamp),
      step: Number(r.step),
    }));
    if (!more) return { metrics };
    const last = page[page.length - 1]!;
    return {
      metrics,
      nextPageToken: encodeHistoryCursor({
        step: Number(last.step),
        timestamp: Number(last.timestamp),
        isNan: Number(last.is_nan),
        value: Number(last.value),
      }),
    };
  }

  /** Every step at which the series has a point, ascending and distinct. */
  async steps(runId: string, key: string): Promise<number[]> {
    const series = await this.seriesId(runId, key);
    if (series === undefined) return [];
    const rows = await this.db
      .selectFrom('metric_points')
      .select('step')
      .distinct()
      .where('series_id', '=', series)
      .orderBy('step')
      .execute();
    return rows.map((r) => Number(r.step));
  }

  /** The series' points at the given steps (ascending), at most `limit`. */
  async pointsAtSteps(runId: string, key: string, steps: number[], limit: number): Promise<Metric[]> {
    const series = await this.seriesId(runId, key);
    if (series === undefined || steps.length === 0) return [];
    const out: Metric[] = [];
    for (let i = 0; i < steps.length && out.length < limit; i += INSERT_CHUNK) {
      const rows = await this.db
        .selectFrom('metric_points')
        .select(['step', 'timestamp', 'is_nan', 'value'])
        .where('series_id', '=', series)
        .where('step', 'in', steps.slice(i, i + INSERT_CHUNK))
        .orderBy('step')
        .orderBy('timestamp')
        .execute();
      for (const r of rows) {
        if (out.length >= limit) break;
        out.push({ key, value: r.is_nan ? Number.NaN : Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step), runId });
      }
    }
    return out;
  }
}

/** The incoming point replaces the stored latest one: higher step, then later time, then larger value. */
const NEWER = '(excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)';

/** The latest_metrics upsert's conflict action: each column takes the incoming point only when it is newer. */
const UPDATE_LATEST_IF_NEWER = `on conflict (run_uuid, key) do update set
    value = case when ${NEWER} then excluded.value else latest_metrics.value end,
    timestamp = case when ${NEWER} then excluded.timestamp else latest_metrics.timestamp end,
    step = case when ${NEWER} then excluded.step else latest_metrics.step end,
    is_nan = case when ${NEWER} then excluded.is_nan else latest_metrics.is_nan end`;

/** Row counts whose SQL text is kept once built (log-metric's 1 above all); larger ones are built per call. */
const MEMO_ROWS = 32;

function memoByRows(build: (rows: number) => string): (rows: number) => string {
  const texts = new Map<number, string>();
  return (rows) => {
    let text = texts.get(rows);
    if (text === undefined) {
      text = build(rows);
      if (rows <= MEMO_ROWS) texts.set(rows, text);
    }
    return text;
  };
}

const insertPointsSql = memoByRows((rows) => `insert into metric_points (series_id, step, timestamp, is_nan, value) values ${valuesList(rows, 5)} on conflict do nothing`);

/** The latest_metrics upsert of `rows` points (6 parameters each), returning each key's series id. */
const upsertLatestSql = memoByRows(
  (rows) => `insert into latest_metrics (run_uuid, key, value, timestamp, step, is_nan) values ${valuesList(rows, 6)}
  ${UPDATE_LATEST_IF_NEWER}
  returning series_id, key`,
);

const PG_WRITE_ALONE = `with run as (
  select run_uuid from runs where run_uuid = $1::text and lifecycle_stage = 'active' for share
), up as (
  insert into latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
  select run.run_uuid, l.key, l.value, l.timestamp, l.step, l.is_nan
  from run, unnest($2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int4[]) as l(key, value, timestamp, step, is_nan)
  ${UPDATE_LATEST_IF_NEWER}
  returning series_id, key
), points as (
  insert into metric_points (series_id, step, timestamp, is_nan, value)
  select up.series_id, p.step, p.timestamp, p.is_nan, p.value
  from unnest($7::text[], $8::int8[], $9::int8[], $10::int4[], $11::float8[]) as p(key, step, timestamp, is_nan, value)
  join up on up.key = p.key
  on conflict do nothing
)
select count(*)::int as written from run`;

/** Per key, the newest point (MLflow's rule): what latest_metrics is upserted with. */
function newestPerKey(metrics: Metric[]): Map<string, Metric> {
  const newest = new Map<string, Metric>();
  for (const m of metrics) {
    const cur = newest.get(m.key);
    if (!cur || isNewer(m, cur)) newest.set(m.key, m);
  }
  return newest;
}

/** MLflow's rule for which point is a series' latest. NaN counts as smaller than any value. */
function isNewer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return storedValue(a.value) > storedValue(b.value);
}

/**
 * NaN cannot be stored in a NOT NULL double column on SQLite (it becomes NULL), so a NaN point
 * keeps value 0 and `is_nan = 1`, as MLflow's own schema does.
 */
function storedValue(v: number): number {
  return Number.isNaN(v) ? 0 : v;
}
