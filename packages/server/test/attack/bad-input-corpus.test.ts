import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ERROR_STATUS, httpStatusFor } from '@modelyard/contract';
import { describeEachServer } from '../helpers/mlflow-http.js';
import type { MlflowHttp } from '../helpers/mlflow-http.js';
import { BAD_INPUT_CASES } from './bad-input-cases.js';
import type { BadInputCase } from './bad-input-cases.js';
import { rawExchange } from './raw-exchange.js';

/** What every error message stays under, however large the input it quotes. */
const MAX_MESSAGE_CHARS = 1000;
/** Statuses with no MLflow error code of their own: only the body's shape is checked. */
const HTTP_ONLY_STATUSES = new Set([408, 413, 415, 431]);
const KNOWN_CODES = new Set(Object.keys(ERROR_STATUS));

interface Seed {
  exp: string;
  run: string;
  model: string;
  lm: string;
}

function fill(text: string, seed: Seed): string {
  return text.replaceAll('{exp}', seed.exp).replaceAll('{run}', seed.run).replaceAll('{model}', seed.model).replaceAll('{lm}', seed.lm);
}

function bodyOf(c: BadInputCase, seed: Seed): Buffer | undefined {
  const b = typeof c.body === 'function' ? c.body() : c.body;
  if (b === undefined) return undefined;
  return typeof b === 'string' ? Buffer.from(fill(b, seed), 'utf8') : Buffer.from(fill(b.toString('latin1'), seed), 'latin1');
}

function headersOf(c: BadInputCase, body: Buffer | undefined): string[] {
  const headers = [...(c.headers ?? [])];
  if (body !== undefined && !headers.some((h) => /^content-type:/i.test(h))) headers.push('Content-Type: application/json');
  if (body !== undefined && !c.noContentLength) headers.push(`Content-Length: ${body.length}`);
  return headers;
}

/** Everything a bad request could have changed, read through the API. */
async function snapshot(http: MlflowHttp, base: string, seed: Seed): Promise<unknown> {
  const raw = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: await res.text() };
  };
  // Runs and logged models of the seeded and the default experiment: a new experiment (the only
  // place other runs could be) shows in the experiment list. One round of parallel reads.
  const ids = ['0', seed.exp];
  const [experiments, runs, history, models, versions, loggedModels, webhooks, events, artifacts, endpoints, trace] = await Promise.all([
    http.ok('/experiments/search', { view_type: 'ALL', max_results: 1000 }),
    http.ok('/runs/search', { experiment_ids: ids, run_view_type: 'ALL', max_results: 1000 }),
    http.okGet('/metrics/get-history', { run_id: seed.run, metric_key: 'loss' }),
    http.okGet('/registered-models/search', { max_results: 1000 }),
    http.okGet('/model-versions/search', { max_results: 1000 }),
    http.ok('/logged-models/search', { experiment_ids: ids }),
    raw('/api/2.0/mlflow/webhooks'),
    raw('/api/v1/registry/events?max_results=1000'),
    raw('/api/2.0/mlflow-artifacts/artifacts'),
    raw('/api/v1/serving-endpoints'),
    raw('/api/v1/traces/0af7651916cd43dd8448eb211c80319c'),
  ]);
  return { experiments, runs, history, models, versions, loggedModels, webhooks, events, artifacts, endpoints, trace };
}

describeEachServer(
  'bad-input corpus',
  (ctx) => {
    let seed: Seed;
    let before: unknown;
    /** The data as the previous case left it: each case is judged on its own change. */
    let current: unknown;
    const port = () => Number(new URL(ctx.server.url).port);

    beforeAll(async () => {
      const http = ctx.http;
      const { experiment_id: exp } = await http.ok('/experiments/create', { name: 'corpus-experiment', tags: [{ key: 'team', value: 'ml' }] });
      const run = (await http.ok('/runs/create', { experiment_id: exp, run_name: 'corpus-run', start_time: 1000 })).run.info.run_id as string;
      await http.ok('/runs/log-batch', {
        run_id: run,
        metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: 1000 + step, step })),
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 'stage', value: 'seed' }],
      });
      await http.ok('/registered-models/create', { name: 'corpus-model', description: 'seeded' });
      await http.ok('/model-versions/create', { name: 'corpus-model', source: 's3://bucket/model', run_id: run });
      await http.ok('/registered-models/alias', { name: 'corpus-model', alias: 'champion', version: '1' });
      const lm = (await http.ok('/logged-models', { experiment_id: exp, name: 'corpus-logged-model' })).model.info.model_id as string;
      const put = await fetch(`${ctx.server.url}/api/2.0/mlflow-artifacts/artifacts/seeded/file.txt`, { method: 'PUT', body: 'seeded' });
      expect(put.status).toBe(200);
      seed = { exp, run, model: 'corpus-model', lm };
      before = await snapshot(http, ctx.server.url, seed);
      current = before;
    });

    it(`holds at least 200 cases, each with its own name`, () => {
      expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(200);
      expect(new Set(BAD_INPUT_CASES.map((c) => c.name)).size).toBe(BAD_INPUT_CASES.length);
    });

    for (const c of BAD_INPUT_CASES) {
      it(c.name, async () => {
        const body = bodyOf(c, seed);
        const reply = await rawExchange(port(), { method: c.method, target: fill(c.target, seed), headers: headersOf(c, body), ...(body ? { body } : {}) });
        const shown = `${c.method} ${c.target.slice(0, 100)} answered ${reply.status}: ${reply.body.slice(0, 300)}`;
        expect(reply.status, shown).toBeGreaterThanOrEqual(400);
        expect(reply.status, shown).toBeLessThan(500);
        expect(reply.headers['content-type'], shown).toMatch(/^application\/json/);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(reply.body) as Record<string, unknown>;
        } catch {
          throw new Error(`not JSON: ${shown}`);
        }
        expect(Object.keys(parsed).sort(), shown).toEqual(['error_code', 'message']);
        const { error_code: code, message } = parsed as { error_code: string; message: string };
        expect(typeof code === 'string' && KNOWN_CODES.has(code), shown).toBe(true);
        expect(typeof message, shown).toBe('string');
        expect(message.length, shown).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        expect(message, shown).not.toMatch(/FST_ERR|\n\s+at |Internal server error/);
        if (!HTTP_ONLY_STATUSES.has(reply.status)) expect(reply.status, `status of ${code}: ${shown}`).toBe(httpStatusFor(code));
        if (c.expect?.status !== undefined) expect(reply.status, shown).toBe(c.expect.status);
        if (c.expect?.code !== undefined) expect(code, shown).toBe(c.expect.code);
        if (c.expect?.mentions !== undefined) expect(message, shown).toContain(c.expect.mentions);
        if (c.method !== 'GET') {
          const after = await snapshot(ctx.http, ctx.server.url, seed);
          const previous = current;
          current = after;
          expect(after, `${c.name} changed stored data`).toEqual(previous);
        }
      });
    }

    it('changed no stored data and wrote no file outside the artifact store', async () => {
      expect(await snapshot(ctx.http, ctx.server.url, seed)).toEqual(before);
      expect(existsSync(join(dirname(dirname(ctx.server.artifactsDir)), 'escape.txt'))).toBe(false);
      expect(existsSync(join(dirname(ctx.server.artifactsDir), 'escape.txt'))).toBe(false);
    });

    it('stores a metric value too large for a double (1e400) as Infinity, as MLflow does', async () => {
      const { run_id } = (await ctx.http.ok('/runs/create', { experiment_id: seed.exp })).run.info;
      for (const [path, text] of [
        ['/runs/log-metric', `{"run_id":"${run_id}","key":"huge","value":1e400,"timestamp":1,"step":0}`],
        ['/runs/log-metric', `{"run_id":"${run_id}","key":"huge","value":-1e400,"timestamp":2,"step":1}`],
        ['/runs/log-batch', `{"run_id":"${run_id}","metrics":[{"key":"huge","value":1e400,"timestamp":3,"step":2}]}`],
      ] as const) {
        const res = await ctx.http.send('POST', path, text);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      const history = await ctx.http.okGet('/metrics/get-history', { run_id, metric_key: 'huge' });
      expect(history.metrics.map((m: { value: unknown }) => m.value)).toEqual(['Infinity', '-Infinity', 'Infinity']);
    });
  },
  // Large enough for the 10 MB values; the over-limit case sends more than this.
  { config: { bodyLimitBytes: 16 * 1024 * 1024 } },
);
