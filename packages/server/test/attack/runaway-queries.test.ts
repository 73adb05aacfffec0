import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { parseStoreUri } from '../../src/db/store-uri.js';
import { SEARCH_LIMITS } from '../../src/domain/search/search-limits.js';
import { StatementTimeoutError } from '../../src/errors.js';
import { createTestStoreLocation, postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestStoreLocation } from '../helpers/dialects.js';
import { describeEachServer, MlflowHttp } from '../helpers/mlflow-http.js';
import type { HttpResult } from '../helpers/mlflow-http.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * "No request can run away": a search may not ask for unbounded work (too many clauses, too long
 * a filter, too many order_by keys or datasets: 400 naming the limit), a search at the limits
 * answers correctly over thousands of runs, and on PostgreSQL a statement that runs past the
 * configured statement timeout is cancelled and answers a clear 400 instead of holding a backend.
 */

const RUNS = 2000;
const KEYS = 10;

interface SeedRun {
  id: string;
  start: number;
  status: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** Deterministic data with every shape a clause can meet: NaN metrics, missing params, several values per key. */
function seedRuns(): SeedRun[] {
  return Array.from({ length: RUNS }, (_, r) => {
    const metrics: Record<string, number> = {};
    const params: Record<string, string> = {};
    const tags: Record<string, string> = { group: r % 2 === 0 ? 'even' : 'odd' };
    for (let k = 0; k < KEYS; k++) {
      metrics[`m${k}`] = k === 9 && r % 50 === 0 ? Number.NaN : (r * (2 * k + 3)) % 101;
      if (!(k === 9 && r % 3 === 0)) params[`p${k}`] = `v${(r + k) % 7}`;
      tags[`t${k}`] = `T${(r * (k + 1)) % 11}`;
    }
    return { id: `run${String(r).padStart(5, '0')}`, start: 1_000_000 + r, status: r % 13 === 0 ? 'FAILED' : 'FINISHED', metrics, params, tags };
  });
}

interface Clause {
  text: string;
  holds(run: SeedRun): boolean;
}

const has = (v: string | undefined): v is string => v !== undefined;

/**
 * Exactly `count` clauses: a few selective ones, then loose ones over every key and comparator
 * (each still a probe the database must make). `holds` is MLflow's semantics: a param or tag
 * comparison needs the key to exist, a NaN metric passes only `!=`.
 */
function hundredClauses(count: number): Clause[] {
  const clauses: Clause[] = [
    { text: "tags.group = 'even'", holds: (r) => r.tags.group === 'even' },
    { text: 'metrics.m0 > 20', holds: (r) => r.metrics.m0! > 20 },
    { text: "params.p1 != 'v3'", holds: (r) => has(r.params.p1) && r.params.p1 !== 'v3' },
    { text: 'params.p9 IS NOT NULL', holds: (r) => has(r.params.p9) },
    { text: 'metrics.m9 >= 0', holds: (r) => r.metrics.m9! >= 0 },
    { text: "attributes.status = 'FINISHED'", holds: (r) => r.status === 'FINISHED' },
    { text: 'metrics.m9 != 1000', holds: (r) => r.metrics.m9 !== 1000 },
    { text: 'tags.missing IS NULL', holds: (r) => !has(r.tags.missing) },
  ];
  const loose: Array<(k: number) => Clause> = [
    (k) => ({ text: `metrics.m${k} < 1000`, holds: (r) => r.metrics[`m${k}`]! < 1000 }),
    (k) => ({ text: `params.p${k} LIKE 'v%'`, holds: (r) => has(r.params[`p${k}`]) && r.params[`p${k}`]!.startsWith('v') }),
    (k) => ({ text: `tags.t${k} ILIKE 't%'`, holds: (r) => r.tags[`t${k}`]!.toLowerCase().startsWith('t') }),
    (k) => ({ text: `params.p${k} != 'zz'`, holds: (r) => has(r.params[`p${k}`]) && r.params[`p${k}`] !== 'zz' }),
    (k) => ({ text: `tags.t${k} IS NOT NULL`, holds: (r) => has(r.tags[`t${k}`]) }),
    (k) => ({ text: `metrics.m${k} >= -1`, holds: (r) => r.metrics[`m${k}`]! >= -1 }),
  ];
  for (let i = 0; clauses.length < count; i++) clauses.push(loose[i % loose.length]!(Math.floor(i / loose.length) % KEYS));
  return clauses;
}

const andJoined = (clauses: Clause[]): string => clauses.map((c) => c.text).join(' AND ');
const repeatClause = (clause: string, n: number): string => Array.from({ length: n }, () => clause).join(' AND ');

/**
 * MLflow's clients search the registry with GET; a filter too long for a URL (Node refuses a
 * request head past 16 KiB) goes as a POST body, which these routes accept too.
 */
const registrySearch =
  (path: string) =>
  (http: MlflowHttp, filter: string): Promise<HttpResult> =>
    filter.length < 8_000 ? http.get(path, { filter }) : http.post(path, { filter });

/** Every search API that takes a filter, with a clause over its own keys. */
const SEARCHES: Array<{ name: string; clause: string; call: (http: MlflowHttp, filter: string, exp: string) => Promise<HttpResult> }> = [
  { name: 'runs', clause: 'metrics.m0 >= 0', call: (http, filter, exp) => http.post('/runs/search', { experiment_ids: [exp], filter }) },
  { name: 'experiments', clause: "tags.team != 'x'", call: (http, filter) => http.post('/experiments/search', { filter, max_results: 10 }) },
  { name: 'registered models', clause: "tags.team != 'x'", call: registrySearch('/registered-models/search') },
  { name: 'model versions', clause: "tags.team != 'x'", call: registrySearch('/model-versions/search') },
  { name: 'logged models', clause: "params.alpha != 'x'", call: (http, filter, exp) => http.post('/logged-models/search', { experiment_ids: [exp], filter }) },
];

function expectInvalid(r: HttpResult, mentions: RegExp): void {
  expect(r.status).toBe(400);
  expect(Object.keys(r.body).sort()).toEqual(['error_code', 'message']);
  expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  expect(r.body.message).toMatch(mentions);
  // The refusal quotes the limit, never the whole oversized input.
  expect(r.body.message.length).toBeLessThan(1000);
}

describeEachServer('runaway queries', (ctx) => {
  const runs = seedRuns();
  let exp = '';

  beforeAll(async () => {
    exp = (await ctx.http.ok('/experiments/create', { name: 'runaway' })).experiment_id;
    // Seeded in bulk straight into the store: 2,000 runs through the API would take most of a minute.
    const db = ctx.server.db.db;
    for (let b = 0; b < runs.length; b += 250) {
      const batch = runs.slice(b, b + 250);
      await db
        .insertInto('runs')
        .values(
          batch.map((r) => ({
            run_uuid: r.id,
            name: r.id,
            experiment_id: Number(exp),
            user_id: 'attacker',
            status: r.status,
            start_time: r.start,
            end_time: null,
            deleted_time: null,
            source_type: null,
            source_name: null,
            entry_point_name: null,
            source_version: null,
            lifecycle_stage: 'active',
            artifact_uri: `mlflow-artifacts:/${exp}/${r.id}/artifacts`,
          })),
        )
        .execute();
      const metrics = batch.flatMap((r) =>
        Object.entries(r.metrics).map(([key, v]) => ({ run_uuid: r.id, key, value: Number.isNaN(v) ? 0 : v, timestamp: 1, step: 0, is_nan: Number.isNaN(v) ? 1 : 0 })),
      );
      const params = batch.flatMap((r) => Object.entries(r.params).map(([key, value]) => ({ run_uuid: r.id, key, value })));
      const tags = batch.flatMap((r) => Object.entries(r.tags).map(([key, value]) => ({ run_uuid: r.id, key, value })));
      for (let i = 0; i < metrics.length; i += 500) await db.insertInto('latest_metrics').values(metrics.slice(i, i + 500)).execute();
      for (let i = 0; i < params.length; i += 500) await db.insertInto('params').values(params.slice(i, i + 500)).execute();
      for (let i = 0; i < tags.length; i += 500) await db.insertInto('tags').values(tags.slice(i, i + 500)).execute();
    }
    if (ctx.dialect === 'postgres') await sql`analyze`.execute(db);
  }, 180_000);

  it(`answers a filter of ${SEARCH_LIMITS.maxFilterClauses} clauses over ${RUNS} runs with exactly the matching runs`, async () => {
    const clauses = hundredClauses(SEARCH_LIMITS.maxFilterClauses);
    expect(clauses).toHaveLength(100);
    const expected = runs
      .filter((r) => clauses.every((c) => c.holds(r)))
      .sort((a, b) => b.start - a.start)
      .map((r) => r.id);
    // Neither everything nor nothing: the selective clauses leave a few hundred.
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(RUNS / 2);

    const page = await ctx.http.ok('/runs/search', { experiment_ids: [exp], filter: andJoined(clauses), max_results: RUNS });
    expect(page.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual(expected);
    expect(page.next_page_token).toBeUndefined();
  });

  it('answers the same runs for the clauses in any order and ordered by a metric', async () => {
    const clauses = hundredClauses(SEARCH_LIMITS.maxFilterClauses).reverse();
    const expected = runs
      .filter((r) => clauses.every((c) => c.holds(r)))
      .sort((a, b) => b.metrics.m0! - a.metrics.m0! || b.start - a.start || a.id.localeCompare(b.id))
      .map((r) => r.id);
    const page = await ctx.http.ok('/runs/search', {
      experiment_ids: [exp],
      filter: andJoined(clauses),
      order_by: ['metrics.m0 DESC'],
      max_results: RUNS,
    });
    expect(page.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual(expected);
  });

  for (const search of SEARCHES) {
    it(`${search.name}: accepts ${SEARCH_LIMITS.maxFilterClauses} clauses and refuses one more with 400 naming the limit`, async () => {
      const atLimit = await search.call(ctx.http, repeatClause(search.clause, SEARCH_LIMITS.maxFilterClauses), exp);
      expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
      const over = await search.call(ctx.http, repeatClause(search.clause, SEARCH_LIMITS.maxFilterClauses + 1), exp);
      expectInvalid(over, /more than 100 comparisons/);
    });

    it(`${search.name}: refuses a filter longer than ${SEARCH_LIMITS.maxFilterLength} characters with 400 naming the limit`, async () => {
      // One clause whose value alone is over the limit: the length is refused before any parsing.
      const over = await search.call(ctx.http, `tags.team = '${'x'.repeat(SEARCH_LIMITS.maxFilterLength)}'`, exp);
      expectInvalid(over, new RegExp(`more than the ${SEARCH_LIMITS.maxFilterLength} a search filter may have`));
    });
  }

  it('answers a search over 70,000 experiment ids (more than either database binds as parameters)', async () => {
    // MLflow's search_all_experiments sends every id; unknown ids simply match nothing.
    const ids = [exp, ...Array.from({ length: 70_000 }, (_, i) => String(1_000_000 + i))];
    const runs = await ctx.http.ok('/runs/search', { experiment_ids: ids, max_results: 1 });
    expect(runs.runs).toHaveLength(1);
    const models = await ctx.http.post('/logged-models/search', { experiment_ids: ids, max_results: 1 });
    expect(models.status).toBe(200);
  });

  it('runs: refuses a filter of 1,000 clauses (what failed on SQLite and pinned PostgreSQL) before running it', async () => {
    const r = await ctx.http.post('/runs/search', { experiment_ids: [exp], filter: repeatClause('metrics.m0 >= 0', 1000) });
    expectInvalid(r, /more than 100 comparisons/);
  });

  it(`refuses more than ${SEARCH_LIMITS.maxOrderByKeys} order_by keys on runs and logged models`, async () => {
    const keys = Array.from({ length: SEARCH_LIMITS.maxOrderByKeys + 1 }, (_, i) => `metrics.k${i}`);
    const atLimit = await ctx.http.post('/runs/search', { experiment_ids: [exp], order_by: keys.slice(1), max_results: 5 });
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
    expectInvalid(await ctx.http.post('/runs/search', { experiment_ids: [exp], order_by: keys }), /more than the 20 a search may order by/);
    expectInvalid(
      await ctx.http.post('/logged-models/search', { experiment_ids: [exp], order_by: keys.map((field_name) => ({ field_name })) }),
      /more than the 20 a search may order by/,
    );
  });

  it(`refuses more than ${SEARCH_LIMITS.maxDatasets} datasets on a logged-model search`, async () => {
    const datasets = Array.from({ length: SEARCH_LIMITS.maxDatasets + 1 }, (_, i) => ({ dataset_name: `d${i}` }));
    const atLimit = await ctx.http.post('/logged-models/search', { experiment_ids: [exp], datasets: datasets.slice(1) });
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
    expectInvalid(await ctx.http.post('/logged-models/search', { experiment_ids: [exp], datasets }), /more than the 20 a logged-model search/);
  });
});

const pgSkip = postgresUnavailableReason();

(pgSkip ? describe.skip : describe)(`statement timeout [postgres]${pgSkip ? ` (skipped: ${pgSkip})` : ''}`, () => {
  const TIMEOUT_MS = 300;
  let server: TestServer | undefined;
  let store: TestStoreLocation | undefined;

  beforeAll(async () => {
    server = await startTestServer({ dialect: 'postgres', config: { statementTimeoutMs: TIMEOUT_MS } });
  });
  afterAll(async () => {
    await server?.close();
    await store?.dispose();
  });

  it('cancels a statement that runs past the timeout and answers 400 saying which limit and how to change it', async () => {
    const http = new MlflowHttp(server!.url);
    const { experiment_id: exp } = await http.ok('/experiments/create', { name: 'slow' });
    await http.ok('/runs/create', { experiment_id: exp, start_time: 1 });

    // Another session holds the runs table: the search's statement waits on the lock, and
    // statement_timeout counts that wait, so the search runs past the limit however fast the machine.
    const blocker = new pg.Client({ connectionString: server!.storeUri });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table runs in access exclusive mode');
      const started = Date.now();
      const r = await http.post('/runs/search', { experiment_ids: [exp] });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringContaining(`statement timeout of ${TIMEOUT_MS} ms`) });
      expect(r.body.message).toContain('--statement-timeout-ms');
      expect(r.body.message).toContain('MODELYARD_STATEMENT_TIMEOUT_MS');
      // Answered once the database gave up, not after the lock was released.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }

    // The connection that met the timeout is back in the pool and serves the next request.
    const after = await http.ok('/runs/search', { experiment_ids: [exp] });
    expect(after.runs).toHaveLength(1);
  });

  it('applies to every statement of a store connected with a timeout except migrations, with JIT off', async () => {
    store = await createTestStoreLocation('postgres', 'timeout');
    const db = connect(parseStoreUri(store.uri), { statementTimeoutMs: TIMEOUT_MS });
    try {
      const settings = await sql<{ statement_timeout: string; jit: string }>`select current_setting('statement_timeout') as statement_timeout,
        current_setting('jit') as jit`.execute(db.db);
      expect(settings.rows[0]).toEqual({ statement_timeout: `${TIMEOUT_MS}ms`, jit: 'off' });
      const slow = sql`select pg_sleep(5)`.execute(db.db);
      await expect(slow).rejects.toBeInstanceOf(StatementTimeoutError);
      await expect(sql`select pg_sleep(5)`.execute(db.db)).rejects.toThrow(`statement timeout of ${TIMEOUT_MS} ms`);
      // Inside a transaction too, which is rolled back.
      await expect(db.db.transaction().execute(async (trx) => sql`select pg_sleep(5)`.execute(trx))).rejects.toBeInstanceOf(StatementTimeoutError);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db.db)).rows).toEqual([{ one: 1 }]);

      // Migrations are exempt: the transaction Kysely's migrator takes its lock in runs without a limit.
      await migrateToLatest(db.db, db.caps);
      await db.db.transaction().execute(async (trx) => {
        await trx.getExecutor().adapter.acquireMigrationLock(trx, { lockTable: 'modelyard_migrations_lock', lockRowId: 'migration_lock' });
        expect((await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(trx)).rows).toEqual([{ t: '0' }]);
      });
      expect((await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(db.db)).rows).toEqual([{ t: `${TIMEOUT_MS}ms` }]);
    } finally {
      await db.close();
    }
  });
});
