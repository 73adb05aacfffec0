import type { Command } from 'commander';
import type { Span, StageDuration, TracesApi, TraceSummary } from '@modelyard/sdk';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import { TRACE_ID_PATTERN } from '../telemetry/span-record.js';
import { clientFor, printJson, withServer } from './models/models-cli-context.js';

const BAR_WIDTH = 40;

interface TracesFlags {
  trackingUri?: string;
  json?: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
const time = (us: number) => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 23);

/** Traces live in the server's store: the CLI asks the server (MLFLOW_TRACKING_URI), from any folder. */
async function withTraces<T>(flags: TracesFlags, use: (traces: TracesApi) => Promise<T>): Promise<T> {
  const client = clientFor(flags);
  return withServer(client.trackingUri, () => use(client.traces));
}

function addTracesOptions(cmd: Command): Command {
  return cmd
    .option('--tracking-uri <uri>', 'the Modelyard server (default: MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)')
    .option('--json', 'print JSON instead of a table');
}

/** Spans as an indented tree, children under their parent by start time, with a timeline bar each. */
export function renderWaterfall(spans: readonly Pick<Span, 'spanId' | 'parentSpanId' | 'name' | 'startTimeUs' | 'endTimeUs' | 'statusCode' | 'statusMessage'>[]): string {
  if (spans.length === 0) return '';
  const ids = new Set(spans.map((s) => s.spanId));
  type S = (typeof spans)[number];
  const children = new Map<string | null, S[]>();
  for (const s of spans) {
    // A span whose parent is not stored (a remote caller, a span still running) is shown at the top.
    const parent = s.parentSpanId !== undefined && ids.has(s.parentSpanId) ? s.parentSpanId : null;
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
      rows.push([`${'  '.repeat(depth)}${s.name}`, status ?? 'UNSET', ms(s.endTimeUs - s.startTimeUs), `|${bar.padEnd(BAR_WIDTH)}|`]);
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

/** The spans of trace `id`, or of job run `jobRun`'s trace. */
async function findTrace(api: TracesApi, id: string | undefined, jobRun: string | undefined): Promise<{ traceId: string; spans: Span[] }> {
  let traceId: string;
  if (id !== undefined) {
    traceId = id.toLowerCase();
    if (!TRACE_ID_PATTERN.test(traceId)) throw new InvalidParameterError(`a trace id is 32 hex characters, got '${id}'`);
  } else {
    const [trace] = await api.listTraces({ jobRunId: positiveInt(jobRun!, '--job-run'), limit: 1 });
    if (!trace) throw new NotFoundError(`job run ${jobRun} has no stored trace`);
    traceId = trace.traceId;
  }
  const spans = await api.getTrace(traceId);
  if (spans.length === 0) throw new NotFoundError(`trace ${traceId} does not exist (no span of it is stored)`);
  return { traceId, spans };
}

function printTraceList(list: TraceSummary[]): void {
  if (list.length === 0) {
    process.stdout.write('no traces\n');
    return;
  }
  const rows = list.map((t) => [
    t.traceId,
    time(t.startTimeUs),
    ms(t.durationUs),
    String(t.spanCount),
    String(t.errorCount),
    t.jobRunId === undefined ? '-' : String(t.jobRunId),
    t.name ?? '(root not stored yet)',
  ]);
  process.stdout.write(table([['TRACE_ID', 'STARTED', 'DURATION', 'SPANS', 'ERRORS', 'JOB_RUN', 'NAME'], ...rows]));
}

function printStages(job: string, stages: StageDuration[]): void {
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
}

/** `modelyard traces [--job-run N | --run-id X | --job KEY]`, `traces show <trace_id>`, `traces stages <job>`. */
export function registerTracesCommand(program: Command): void {
  const traces = addTracesOptions(
    program
      .command('traces')
      .description("a server's stored traces: job runs, task attempts, HTTP requests (newest first)")
      .option('--job-run <id>', 'the trace of this job run')
      .option('--run-id <run_id>', 'traces of this MLflow run')
      .option('--job <key>', 'traces of this job')
      .option('--limit <n>', 'how many', '20'),
  );
  traces.action(async (flags: TracesFlags & { jobRun?: string; runId?: string; job?: string; limit: string }) => {
    const given = [flags.jobRun, flags.runId, flags.job].filter((v) => v !== undefined);
    if (given.length > 1) throw new InvalidParameterError('give at most one of --job-run, --run-id and --job');
    const limit = positiveInt(flags.limit, '--limit');
    const list = await withTraces(flags, (api) =>
      api.listTraces({
        limit,
        ...(flags.jobRun !== undefined ? { jobRunId: positiveInt(flags.jobRun, '--job-run') } : {}),
        ...(flags.runId !== undefined ? { runId: flags.runId } : {}),
        ...(flags.job !== undefined ? { job: flags.job } : {}),
      }),
    );
    if (flags.json) printJson(list);
    else printTraceList(list);
  });

  addTracesOptions(
    traces
      .command('show [trace_id]')
      .description('every span of a trace, as a waterfall')
      .option('--job-run <id>', "instead of a trace id: the trace of this job run"),
  ).action(async (id: string | undefined, _opts: unknown, cmd: Command) => {
    // Options may be given before or after the subcommand name.
    const flags = cmd.optsWithGlobals<TracesFlags & { jobRun?: string }>();
    if ((id === undefined) === (flags.jobRun === undefined)) throw new InvalidParameterError('give a trace id or --job-run <id> (one of them)');
    const { traceId, spans } = await withTraces(flags, (api) => findTrace(api, id, flags.jobRun));
    if (flags.json) {
      printJson(spans);
      return;
    }
    const t0 = Math.min(...spans.map((s) => s.startTimeUs));
    const t1 = Math.max(...spans.map((s) => s.endTimeUs));
    process.stdout.write(`trace ${traceId}: ${spans.length} spans, ${ms(t1 - t0)}, started ${time(t0)}\n`);
    process.stdout.write(renderWaterfall(spans));
  });
  addTracesOptions(
    traces
      .command('stages <job>')
      .description("durations of a job's tasks over its runs (count, p50, p95)")
      .option('--since <time>', 'only attempts started since (ISO time or epoch ms)'),
  ).action(async (job: string, _opts: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals<TracesFlags & { since?: string }>();
    let sinceMs: number | undefined;
    if (flags.since !== undefined) {
      sinceMs = /^\d+$/.test(flags.since) ? Number(flags.since) : Date.parse(flags.since);
      if (!Number.isFinite(sinceMs)) throw new InvalidParameterError(`--since must be an ISO time or epoch milliseconds, got '${flags.since}'`);
    }
    const stages = await withTraces(flags, (api) => api.stageDurations(job, sinceMs !== undefined ? { sinceMs } : {}));
    if (flags.json) printJson(stages);
    else printStages(job, stages);
  });
}
