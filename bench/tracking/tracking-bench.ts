import { BenchClient } from '../lib/http-client.js';
import { fmt, median, medianTiming, pooledPerSecond, report, timeSequential } from '../lib/stats.js';
import type { Timing } from '../lib/stats.js';
import { stealText, withSteal } from '../lib/host-cpu.js';
import { startBareStoreServer, startBenchServer } from '../lib/servers.js';
import type { BenchServer } from '../lib/servers.js';
import type { RequestTiming } from '../lib/request-timing.js';

/**
 * bench/tracking: the tracking server's write and read paths over real HTTP from one client, for
 * one store. Figures and targets are the (SQLite, this 2-core machine).
 */
export async function benchTracking(store: 'sqlite' | 'postgres'): Promise<void> {
  const bench = await startBenchServer(store);
  const c = new BenchClient(bench.url);
  // SQLite only: the same writes through the server's own run service and store behind bare
  // node:http (bare-store-server.ts), measured beside the server's in the same run: the ceiling
  // one waiting client gets on this machine, whatever the HTTP layer.
  const bare: BenchServer | undefined = store === 'sqlite' ? await startBareStoreServer() : undefined;
  const b = bare && new BenchClient(bare.url);
  try {
    console.log(`\ntracking server — ${store}${store === 'postgres' ? ' (throwaway cluster, fsync off)' : ''}`);
    const { experiment_id } = await c.post('/experiments/create', { name: 'bench' });
    const runId: string = (await c.post('/runs/create', { experiment_id, start_time: 0 })).run.info.run_id;
    const bareRunId: string | undefined = b && (await b.post('/runs/create', { experiment_id: '0', start_time: 0 })).run.info.run_id;

    // Warm-up until the JIT has settled on both paths (the first thousands of requests run
    // unoptimised code in both client and server): a training loop's steady state is what counts.
    for (let i = 0; i < 3000; i++) {
      await c.call('GET', '/api/3.0/mlflow/server-info');
      await c.post('/runs/log-metric', { run_id: runId, key: 'warm', value: i, timestamp: i, step: i });
      await b?.post('/runs/log-metric', { run_id: bareRunId, key: 'warm', value: i, timestamp: i, step: i });
    }

    // The HTTP floor (the cheapest JSON route over the same client and socket: one client waits
    // for each answer, so log-metric req/s can never exceed it) and each write in alternating
    // rounds, the server and the bare store server taking turns (which goes first alternates
    // too), so a neighbour's burst on this shared machine hits both alike; medians of rounds.
    const rounds = 5;
    const metricsPerBatch = 1000;
    const batchesPerRound = 20;
    const runsPerRound = 400;
    interface Side {
      proc: BenchServer;
      client: BenchClient;
      experimentId: string;
      runId: string;
      metric: Timing[];
      batch: Timing[];
      create: Timing[];
      /** Per round, the time inside the server process (request-timing.ts). */
      metricInside: RequestTiming[];
      createInside: RequestTiming[];
    }
    const side = (proc: BenchServer, client: BenchClient, experimentId: string, runId: string): Side => ({ proc, client, experimentId, runId, metric: [], batch: [], create: [], metricInside: [], createInside: [] });
    const server = side(bench, c, experiment_id, runId);
    const ceiling = bare && b && bareRunId ? side(bare, b, '0', bareRunId) : undefined;
    // One round of `calls`, with the time inside the server process for `path` beside it.
    const inside = async (s: Side, path: string, into: RequestTiming[], calls: () => Promise<Timing>): Promise<Timing> => {
      await s.proc.requestTimings();
      const timing = await calls();
      const t = (await s.proc.requestTimings())[`/api/2.0/mlflow${path}`];
      if (t) into.push(t);
      return timing;
    };
    const floorRounds: Timing[] = [];
    const steal = await withSteal(async () => {
      for (let r = 0; r < rounds; r++) {
        floorRounds.push(await timeSequential(1000, async () => {
          await c.call('GET', '/api/3.0/mlflow/server-info');
        }));
        const turn = ceiling ? (r % 2 ? [ceiling, server] : [server, ceiling]) : [server];
        for (const s of turn) {
          s.metric.push(await inside(s, '/runs/log-metric', s.metricInside, () => timeSequential(1000, (i) =>
            s.client.post('/runs/log-metric', { run_id: s.runId, key: 'loss', value: 1 / (i + 1), timestamp: 1_700_000_000_000 + r * 1000 + i, step: r * 1000 + i }),
          )));
        }
        for (const s of turn) {
          s.batch.push(await timeSequential(batchesPerRound, (k) => {
            const n = r * batchesPerRound + k;
            return s.client.post('/runs/log-batch', {
              run_id: s.runId,
              metrics: Array.from({ length: metricsPerBatch }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), timestamp: 1_700_000_000_000 + n, step: n * 100 + Math.floor(i / 10) })),
            });
          }));
        }
        for (const s of turn) {
          s.create.push(await inside(s, '/runs/create', s.createInside, () =>
            timeSequential(runsPerRound, (i) => s.client.post('/runs/create', { experiment_id: s.experimentId, start_time: i, run_name: `r${r}-${i}` })),
          ));
        }
      }
    });
    const floor = medianTiming(floorRounds);
    // log-batch over all its rounds: a 1,000-point commit writes ~30 pages, so SQLite checkpoints
    // its WAL every few dozen calls, and a median 20-call round could be one without a checkpoint.
    const figures = (s: Side) => ({
      logMetric: medianTiming(s.metric),
      batchMetricsPerSecond: pooledPerSecond(s.batch) * metricsPerBatch,
      create: medianTiming(s.create),
      metricInside: insideText(s.metricInside),
      createInside: insideText(s.createInside),
    });
    const ours = figures(server);
    const bareFigures = ceiling && figures(ceiling);

    // 10,000 runs, each with 5 metrics: a fresh experiment so counts are exact.
    const { experiment_id: searchExp } = await c.post('/experiments/create', { name: 'bench-search' });
    for (let i = 0; i < 10_000; i++) {
      const r = (await c.post('/runs/create', { experiment_id: searchExp, start_time: i })).run.info.run_id;
      await c.post('/runs/log-batch', {
        run_id: r,
        metrics: Array.from({ length: 5 }, (_, k) => ({ key: `m${k}`, value: ((i * 7919 + k * 104729) % 10_000) / 10_000, timestamp: i, step: 0 })),
        params: [{ key: 'p', value: String(i % 10) }],
      });
    }
    const searchPlain = await timeSequential(20, () => c.post('/runs/search', { experiment_ids: [searchExp], max_results: 100 }));
    const searchFiltered = await timeSequential(20, () =>
      c.post('/runs/search', { experiment_ids: [searchExp], filter: 'metrics.m1 > 0.5', order_by: ['metrics.m1 DESC'], max_results: 100 }),
    );
    // A filter at the clause limit (domain/search/search-limits.ts) that every run passes, so each
    // of the 10,000 runs is probed 100 times: the worst a single search may ask for.
    const hundredClauses = Array.from({ length: 100 }, (_, i) => (i % 6 === 5 ? "params.p != 'none'" : `metrics.m${i % 5} >= 0`)).join(' AND ');
    const searchHundred = await timeSequential(5, () => c.post('/runs/search', { experiment_ids: [searchExp], filter: hundredClauses, max_results: 100 }));

    // One 100,000-point metric.
    const histRun: string = (await c.post('/runs/create', { experiment_id, start_time: 0 })).run.info.run_id;
    for (let b = 0; b < 100; b++) {
      await c.post('/runs/log-batch', {
        run_id: histRun,
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'long', value: Math.sin(b * 1000 + i), timestamp: b * 1000 + i, step: b * 1000 + i })),
      });
    }
    const history = await timeSequential(5, async () => {
      const h = await c.get('/metrics/get-history', { run_id: histRun, metric_key: 'long' });
      if (h.metrics.length !== 100_000) throw new Error(`expected 100000 points, got ${h.metrics.length}`);
    });
    const bulk = await timeSequential(10, () => c.get('/metrics/get-history-bulk-interval', { run_ids: histRun, metric_key: 'long', max_results: 1000 }));

    report([
      { figure: 'HTTP floor: server-info req/s (same client)', value: fmt(floor.perSecond) },
      { figure: 'log-metric req/s (1 client)', value: fmt(ours.logMetric.perSecond), target: '≥ 3,000' },
      { figure: 'log-metric / HTTP floor', value: `${fmt((ours.logMetric.perSecond / floor.perSecond) * 100)} %` },
      { figure: 'log-metric p50 / p99 ms', value: `${fmt(ours.logMetric.p50Ms, 2)} / ${fmt(ours.logMetric.p99Ms, 2)}`, target: 'p50 < 1 ms' },
      { figure: 'log-batch metrics/s (1000/call)', value: fmt(ours.batchMetricsPerSecond), target: '≥ 200,000' },
      { figure: 'create-run runs/s', value: fmt(ours.create.perSecond), target: '≥ 2,000' },
      { figure: 'inside the server, µs mean / p50: log-metric', value: ours.metricInside },
      { figure: 'inside the server, µs mean / p50: create-run', value: ours.createInside },
      ...(bareFigures
        ? [
            { figure: 'ceiling, bare node:http + same store: log-metric req/s', value: fmt(bareFigures.logMetric.perSecond) },
            { figure: 'ceiling: log-batch metrics/s', value: fmt(bareFigures.batchMetricsPerSecond) },
            { figure: 'ceiling: create-run runs/s', value: fmt(bareFigures.create.perSecond) },
            { figure: 'ceiling, inside, µs mean / p50: log-metric', value: bareFigures.metricInside },
            { figure: 'ceiling, inside, µs mean / p50: create-run', value: bareFigures.createInside },
          ]
        : []),
      { figure: 'host CPU steal during the write rounds', value: stealText(steal.stealPercent) },
      { figure: 'search 10k runs, no filter, top 100 (p50 ms)', value: fmt(searchPlain.p50Ms, 1) },
      { figure: 'search 10k runs, metrics.m1 > 0.5 by m1, top 100 (p50 ms)', value: fmt(searchFiltered.p50Ms, 1), target: '< 20 ms' },
      { figure: 'search 10k runs, 100 clauses all runs pass, top 100 (p50 ms)', value: fmt(searchHundred.p50Ms, 0) },
      { figure: 'get-history 100,000 points (p50 ms)', value: fmt(history.p50Ms, 0) },
      { figure: 'get-history-bulk-interval 1000 of 100k (p50 ms)', value: fmt(bulk.p50Ms, 1) },
    ]);
  } finally {
    c.close();
    b?.close();
    await bench.close();
    await bare?.close();
  }
}

/** Medians over rounds of each round's mean and median time inside the server, in µs. */
function insideText(rounds: RequestTiming[]): string {
  if (rounds.length === 0) return 'n/a';
  return `${fmt(median(rounds.map((t) => t.meanUs)))} / ${fmt(median(rounds.map((t) => t.p50Us)))}`;
}
