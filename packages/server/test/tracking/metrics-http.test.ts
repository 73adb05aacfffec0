import { beforeAll, expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

describeEachServer('metric history over MLflow REST', (ctx) => {
  let runA = '';
  let runB = '';
  beforeAll(async () => {
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'metrics-suite' });
    runA = (await ctx.http.ok('/runs/create', { experiment_id })).run.info.run_id;
    runB = (await ctx.http.ok('/runs/create', { experiment_id })).run.info.run_id;
    // runA: steps 0..2999 of `loss`; runB: steps 0..9 only.
    for (let start = 0; start < 3000; start += 1000) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (start + i + 1), timestamp: 1000 + start + i, step: start + i }));
      await ctx.http.ok('/runs/log-batch', { run_id: runA, metrics });
    }
    await ctx.http.ok('/runs/log-batch', { run_id: runB, metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: i, timestamp: 5, step: i })) });
  });

  it('returns the whole history in step order, and latest value in the run', async () => {
    const all = await ctx.http.okGet('/metrics/get-history', { run_id: runA, metric_key: 'loss' });
    expect(all.metrics).toHaveLength(3000);
    expect(all.metrics[0]).toEqual({ key: 'loss', value: 1, timestamp: 1000, step: 0 });
    expect(all.metrics[2999].step).toBe(2999);
    expect(all.next_page_token).toBeUndefined();
    const run = (await ctx.http.okGet('/runs/get', { run_id: runA })).run;
    expect(run.data.metrics).toEqual([{ key: 'loss', value: 1 / 3000, timestamp: 3999, step: 2999 }]);
  });

  it('pages through a history with max_results and page_token, losing and repeating nothing', async () => {
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.http.okGet('/metrics/get-history', { run_id: runA, metric_key: 'loss', max_results: 700, ...(token ? { page_token: token } : {}) });
      seen.push(...page.metrics.map((m: { step: number }) => m.step));
      token = page.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const bad = await ctx.http.get('/metrics/get-history', { run_id: runA, metric_key: 'loss', page_token: 'garbage' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('keeps identical points once and an unknown metric is an empty history', async () => {
    await ctx.http.ok('/runs/log-metric', { run_id: runB, key: 'dup', value: 1, timestamp: 1, step: 1 });
    await ctx.http.ok('/runs/log-metric', { run_id: runB, key: 'dup', value: 1, timestamp: 1, step: 1 });
    expect((await ctx.http.okGet('/metrics/get-history', { run_id: runB, metric_key: 'dup' })).metrics).toHaveLength(1);
    expect(await ctx.http.okGet('/metrics/get-history', { run_id: runB, metric_key: 'none' })).toEqual({});
    const missingRun = await ctx.http.get('/metrics/get-history', { run_id: 'a'.repeat(32), metric_key: 'loss' });
    expect(missingRun.status).toBe(404);
  });

  it('samples a bounded number of steps per run for charts (get-history-bulk-interval)', async () => {
    const body = await ctx.http.okGet('/metrics/get-history-bulk-interval', { run_ids: [runA, runB], metric_key: 'loss', max_results: 100 });
    const a = body.metrics.filter((m: { run_id: string }) => m.run_id === runA);
    const b = body.metrics.filter((m: { run_id: string }) => m.run_id === runB);
    expect(a.length).toBeGreaterThan(90);
    expect(a.length).toBeLessThanOrEqual(103);
    const stepsA = a.map((m: { step: number }) => m.step);
    expect(stepsA[0]).toBe(0);
    expect(stepsA[stepsA.length - 1]).toBe(2999);
    expect([...stepsA].sort((x, y) => x - y)).toEqual(stepsA);
    // runB's own last step (9) is always kept so its line reaches its end.
    expect(b.map((m: { step: number }) => m.step)).toContain(9);

    const window = await ctx.http.okGet('/metrics/get-history-bulk-interval', { run_ids: [runA], metric_key: 'loss', start_step: 100, end_step: 199, max_results: 10 });
    for (const m of window.metrics) expect(m.step).toBeGreaterThanOrEqual(100);
    for (const m of window.metrics) expect(m.step).toBeLessThanOrEqual(199);
    expect(window.metrics.length).toBeLessThanOrEqual(11);

    const half = await ctx.http.get('/metrics/get-history-bulk-interval', { run_ids: [runA], metric_key: 'loss', start_step: 5 });
    expect(half.status).toBe(400);
    expect(half.body.message).toContain('both must be specified');
    const tooMany = await ctx.http.get('/metrics/get-history-bulk-interval', { run_ids: Array.from({ length: 101 }, (_, i) => `r${i}`), metric_key: 'loss' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 100 run_ids');
  });
});
