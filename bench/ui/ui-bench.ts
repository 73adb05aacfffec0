import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../packages/server/test/ui/helpers/browser.js';
import { ensureWebBuilt } from '../../packages/server/test/ui/helpers/web-build.js';
import { BenchClient } from '../lib/http-client.js';
import { startBenchServer } from '../lib/servers.js';
import { fmt, median, report } from '../lib/stats.js';

const RUNS = 10_000;
const METRICS_PER_RUN = 20;
const CHART_POINTS = 100_000;
const REPEATS = 5;

/** Runs `count` calls of `fn`, `width` at a time (seeding only; not measured). */
async function inParallel(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function seed(url: string): Promise<{ experimentId: string; chartRunId: string }> {
  // One client per lane: BenchClient keeps a single keep-alive socket.
  const lanes = Array.from({ length: 8 }, () => new BenchClient(url));
  const c = lanes[0]!;
  const { experiment_id: experimentId } = await c.post('/experiments/create', { name: 'ui-bench-10k' });
  await inParallel(RUNS, lanes.length, async (i) => {
    const lane = lanes[i % lanes.length]!;
    const runId: string = (await lane.post('/runs/create', { experiment_id: experimentId, start_time: 1_700_000_000_000 + i, run_name: `run-${i}` })).run.info.run_id;
    await lane.post('/runs/log-batch', {
      run_id: runId,
      metrics: Array.from({ length: METRICS_PER_RUN }, (_, k) => ({ key: `metric_${String(k).padStart(2, '0')}`, value: ((i * 7919 + k * 104729) % 10_000) / 10_000, timestamp: 1_700_000_000_000 + i, step: 0 })),
      params: [
        { key: 'lr', value: String((i % 10) / 100) },
        { key: 'depth', value: String(i % 12) },
      ],
    });
  });
  const chartRunId: string = (await c.post('/runs/create', { experiment_id: experimentId, start_time: 1_800_000_000_000, run_name: 'long-series' })).run.info.run_id;
  for (let b = 0; b < CHART_POINTS / 1000; b++) {
    await c.post('/runs/log-batch', {
      run_id: chartRunId,
      metrics: Array.from({ length: 1000 }, (_, j) => {
        const step = b * 1000 + j;
        return { key: 'loss', value: Math.exp(-step / 30_000) + 0.05 * Math.sin(step / 500), timestamp: 1_800_000_000_000 + step * 10, step };
      }),
    });
  }
  for (const lane of lanes) lane.close();
  return { experimentId, chartRunId };
}

/** A performance mark's time since navigation start, waiting for it to appear. */
async function markTime(page: Page, name: string, timeoutMs = 60_000): Promise<number> {
  await page.waitForFunction(`performance.getEntriesByName(${JSON.stringify(name)}).length > 0`, undefined, { timeout: timeoutMs });
  return page.evaluate<number>(`performance.getEntriesByName(${JSON.stringify(name)})[0].startTime`);
}

interface FirstRowTiming {
  firstRowMs: number;
  /** When the page's scripts had run (DOMContentLoaded). */
  scriptsReadyMs: number;
  /** The first runs/search request: sent, and answered. */
  searchStartMs: number;
  searchEndMs: number;
}

async function timeFirstRow(browser: Browser, url: string): Promise<FirstRowTiming> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const firstRowMs = await markTime(page, 'runs-table-first-row');
  const t = await page.evaluate<{ dcl: number; start: number; end: number }>(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const search = performance.getEntriesByType('resource').find((e) => e.name.includes('/runs/search'));
    return { dcl: nav ? nav.domContentLoadedEventEnd : NaN, start: search ? search.startTime : NaN, end: search ? search.responseEnd : NaN };
  })()`);
  await context.close();
  return { firstRowMs, scriptsReadyMs: t.dcl, searchStartMs: t.start, searchEndMs: t.end };
}

/** Scrolls the runs table to its end until every run is loaded; returns the time taken. */
async function timeScrollToEnd(browser: Browser, url: string): Promise<{ ms: number; rows: number }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await markTime(page, 'runs-table-first-row');
  const start = Date.now();
  const loadedText = page.locator('.toolbar [role="status"]');
  for (;;) {
    await page.evaluate(`(() => { const s = document.querySelector('.runs-scroll'); s.scrollTop = s.scrollHeight; })()`);
    const text = (await loadedText.textContent()) ?? '';
    if (!text.includes('more on scroll')) break;
    if (Date.now() - start > 120_000) throw new Error(`runs table still loading after 120 s: ${text}`);
    await page.waitForTimeout(50);
  }
  const ms = Date.now() - start;
  // "10,001 runs loaded": the count the page itself reports.
  const rows = Number(((await loadedText.textContent()) ?? '').split(' ')[0]!.replace(/,/g, ''));
  await context.close();
  return { ms, rows };
}

async function timeChart(browser: Browser, url: string): Promise<{ renderMs: number; totalMs: number; points: number }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const drawn = await markTime(page, 'metric-chart-drawn', 120_000);
  const data = await markTime(page, 'metric-chart-data');
  const points = Number(await page.locator('[data-metric="loss"] .uplot-box').getAttribute('data-points'));
  await context.close();
  return { renderMs: drawn - data, totalMs: drawn, points };
}

/**
 * bench/ui: the web UI in Chromium against a real server (own process, SQLite): time to the
 * first rendered row of a 10,000-run × 20-metric experiment, and time to draw a
 * 100,000-point metric chart. Printed beside the targets, never asserted.
 */
export async function benchUi(): Promise<void> {
  await ensureWebBuilt();
  const server = await startBenchServer('sqlite');
  let browser: Browser | undefined;
  try {
    console.log(`\nweb UI — sqlite, Chromium (${RUNS.toLocaleString('en-US')} runs × ${METRICS_PER_RUN} metrics; ${CHART_POINTS.toLocaleString('en-US')}-point chart)`);
    const seedStart = Date.now();
    const { experimentId, chartRunId } = await seed(server.url);
    console.log(`  seeded in ${fmt((Date.now() - seedStart) / 1000, 1)} s`);
    browser = await launchChromium();

    const runsUrl = `${server.url}/experiments/${experimentId}`;
    await timeFirstRow(browser, runsUrl); // warm-up: server caches, browser's compile cache
    const firstRow: FirstRowTiming[] = [];
    for (let i = 0; i < REPEATS; i++) firstRow.push(await timeFirstRow(browser, runsUrl));
    const med = (f: (t: FirstRowTiming) => number) => median(firstRow.map(f));
    const scroll = await timeScrollToEnd(browser, runsUrl);

    const chartUrl = `${server.url}/experiments/${experimentId}/runs/${chartRunId}/metrics?metric=loss&full=1`;
    await timeChart(browser, chartUrl);
    const charts: Array<{ renderMs: number; totalMs: number; points: number }> = [];
    for (let i = 0; i < REPEATS; i++) charts.push(await timeChart(browser, chartUrl));
    const sampledUrl = `${server.url}/experiments/${experimentId}/runs/${chartRunId}/metrics?metric=loss`;
    const sampled: number[] = [];
    for (let i = 0; i < REPEATS; i++) sampled.push((await timeChart(browser, sampledUrl)).totalMs);

    report([
      { figure: 'runs table: first rendered row (from navigation, median)', value: `${fmt(med((t) => t.firstRowMs))} ms`, target: '< 1000 ms' },
      { figure: '  of which: page scripts ready (DOMContentLoaded)', value: `${fmt(med((t) => t.scriptsReadyMs))} ms` },
      { figure: '  of which: first runs/search page (100 runs) round trip', value: `${fmt(med((t) => t.searchEndMs - t.searchStartMs))} ms` },
      { figure: `runs table: scroll to the end, all ${scroll.rows.toLocaleString('en-US')} runs loaded`, value: `${fmt(scroll.ms)} ms` },
      { figure: `metric chart: draw ${charts[0]!.points.toLocaleString('en-US')} points once fetched (median)`, value: `${fmt(median(charts.map((c) => c.renderMs)))} ms`, target: '< 500 ms' },
      { figure: 'metric chart: full history, navigation → drawn (median)', value: `${fmt(median(charts.map((c) => c.totalMs)))} ms` },
      { figure: 'metric chart: sampled (bulk-interval), navigation → drawn (median)', value: `${fmt(median(sampled))} ms` },
    ]);
  } finally {
    await browser?.close();
    await server.close();
  }
}
