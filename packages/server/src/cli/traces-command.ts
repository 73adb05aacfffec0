import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { parseStoreUri } from '../db/store-uri.js';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import type { SpanStore } from '../stores/telemetry/span-store.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { TRACE_ID_PATTERN } from '../telemetry/span-record.js';
import type { TraceFilter } from '../telemetry/trace-queries.js';
import { addStoreOptions, flagsToConfig } from './store-options.js';
import type { ServerFlags } from './store-options.js';

const BAR_WIDTH = 40;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
const time = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 23);

async function withSpanStore<T>(flags: ServerFlags, use: (spans: SpanStore) => Promise<T>): Promise<T> {
  const config = loadConfig({ flags: flagsToConfig(flags), configFile: flags.config });
  // The database drivers load only when a subcommand runs (not for --help).
  const [{ connect }, { migrateToLatest }, { SpanStore }] = await Promise.all([
    import('../db/connect.js'),
    import('../db/migrate.js'),
    import('../stores/telemetry/span-store.js'),
  ]);
  const db = connect(parseStoreUri(config.backendStoreUri));
  try {
    await migrateToLatest(db.db, db.caps);
    return await use(new SpanStore(db.db, db.caps));
  } finally {
    await db.close();
  }
}

/** Spans as an indented tree, children under their parent by start time, with a timeline bar each. */
export function renderWaterfall(spans: SpanRecord[]): string {
  if (spans.length === 0) return '';
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanRecord[]>();
  for (const s of spans) {
    // A span whose parent is not stored (a remote caller, a span still running) is shown at the top.
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) ? s.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const t0 = Math.min(...spans.map((s) => s.startTimeUs));
  const t1 = Math.max(...spans.map((s) => s.endTimeUs));
  const scale = BAR_WIDTH / Math.max(1, t1 - t0);
  const rows: string[][] = [['SPAN', 'STATUS', 'DURATION', 'TIMELINE']];
  const walk = (parent: string | null, depth: number) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => a.startTimeUs - b.startTimeUs)) {
      const from = Math.floor((s.startTimeUs - t0) * scale);
      const width = Math.max(1, Math.round((s.endTimeUs - s.startTimeUs) * scale));
      const bar = ' '.repeat(from) + '#'.repeat(Math.min(width, BAR_WIDTH - from));
      const status = s.statusCode === 'ERROR' ? `ERROR${s.statusMessage ? `: ${s.statusMessage.slice(0, 60)}` : ''}` : s.statusCode;
      rows.push([`${'  '.repeat(depth)}${s.name}`, status, ms(s.endTimeUs - s.startTimeUs), `|${bar.padEnd(BAR_WIDTH)}|`]);
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);
  return table(rows);
}

function positiveInt(value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidParameterError(`${what} must be a positive integer, got '${value}'`);
  return Number(value);
}

/** `modelyard traces [--job-run N | --run-id X | --job KEY]`, `traces show <trace_id>`, `traces stages <job>`. */
export function registerTracesCommand(program: Command): void {
  const traces = addStoreOptions(
    program
      .command('traces')
      .description('stored traces: job runs, task attempts, HTTP requests (newest first)')
      .option('--job-run <id>', 'the trace of this job run')
      .option('--run-id <run_id>', 'traces of this MLflow run')
      .option('--job <key>', 'traces of this job')
      .option('--limit <n>', 'how many', '20'),
  );
  traces.action(async (flags: ServerFlags & { jobRun?: string; runId?: string; job?: string; limit: string }) => {
    const given = [flags.jobRun, flags.runId, flags.job].filter((v) => v !== undefined);
    if (given.length > 1) throw new InvalidParameterError('give at most one of --job-run, --run-id and --job');
    const filter: TraceFilter = { limit: positiveInt(flags.limit, '--limit') };
    if (flags.jobRun !== undefined) filter.jobRunId = positiveInt(flags.jobRun, '--job-run');
    if (flags.runId !== undefined) filter.runId = flags.runId;
    if (flags.job !== undefined) filter.jobKey = flags.job;
    const list = await withSpanStore(flags, (spans) => spans.listTraces(filter));
    if (list.length === 0) {
      process.stdout.write('no traces\n');
      return;
    }
    const rows = list.map((t) => [
      t.traceId,
      time(t.startTimeUs),
      ms(t.endTimeUs - t.startTimeUs),
      String(t.spanCount),
      String(t.errorCount),
      t.jobRunId === null ? '-' : String(t.jobRunId),
      t.root?.name ?? '(root not stored yet)',
    ]);
    process.stdout.write(table([['TRACE_ID', 'STARTED', 'DURATION', 'SPANS', 'ERRORS', 'JOB_RUN', 'NAME'], ...rows]));
  });

  addStoreOptions(traces.command('show <trace_id>').description('every span of a trace, as a waterfall')).action(async (id: string, _opts: unknown, cmd: Command) => {
    // Store options may be given before or after the subcommand name.
    const flags = cmd.optsWithGlobals<ServerFlags>();
    const traceId = id.toLowerCase();
    if (!TRACE_ID_PATTERN.test(traceId)) throw new InvalidParameterError(`a trace id is 32 hex characters, got '${id}'`);
    const spans = await withSpanStore(flags, (store) => store.getTrace(traceId));
    if (spans.length === 0) throw new NotFoundError(`trace ${traceId} does not exist (no span of it is stored)`);
    const t0 = Math.min(...spans.map((s) => s.startTimeUs));
    const t1 = Math.max(...spans.map((s) => s.endTimeUs));
    process.stdout.write(`trace ${traceId}: ${spans.length} spans, ${ms(t1 - t0)}, started ${time(t0)}\n`);
    process.stdout.write(renderWaterfall(spans));
  });

  addStoreOptions(
    traces
      .command('stages <job>')
      .description("durations of a job's tasks over its runs (count, p50, p95)")
      .option('--since <time>', 'only attempts started since (ISO time or epoch ms)'),
  ).action(async (job: string, _opts: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ServerFlags & { since?: string }>();
    let sinceMs: number | undefined;
    if (flags.since !== undefined) {
      sinceMs = /^\d+$/.test(flags.since) ? Number(flags.since) : Date.parse(flags.since);
      if (!Number.isFinite(sinceMs)) throw new InvalidParameterError(`--since must be an ISO time or epoch milliseconds, got '${flags.since}'`);
    }
    const stages = await withSpanStore(flags, (spans) => spans.stageDurations({ jobKey: job, ...(sinceMs !== undefined ? { sinceMs } : {}) }));
    if (stages.length === 0) {
      process.stdout.write(`no task attempts traced for job '${job}'\n`);
      return;
    }
    const f = (n: number) => n.toFixed(1);
    process.stdout.write(
      table([
        ['TASK', 'COUNT', 'FAILED', 'P50_MS', 'P95_MS', 'MEAN_MS', 'MAX_MS'],
        ...stages.map((s) => [s.taskKey, String(s.count), String(s.failedCount), f(s.p50Ms), f(s.p95Ms), f(s.meanMs), f(s.maxMs)]),
      ]),
    );
  });
}
