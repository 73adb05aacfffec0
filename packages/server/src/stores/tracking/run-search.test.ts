import { beforeAll, expect, it } from 'vitest';
import type { ViewType } from '@modelyard/contract';
import { InvalidParameterError } from '../../errors.js';
import { describeEachDialect } from '../../../test/helpers/dialects.js';
import { PLANNED_PROBES } from '../search-sql/exists-probe.js';
import { searchRunIds } from './run-search.js';
import type { RunSearchQuery } from './run-search.js';

const A = 101;
const B = 102;

interface SeedRun {
  id: string;
  exp?: number;
  deleted?: boolean;
  status?: string;
  name: string;
  user: string;
  start: number;
  acc?: number;
  model?: string;
  team?: string;
}

// Active runs of A in the default order (start_time DESC, run id): r05 r04 r03 r02 r08 r01 r09.
const RUNS: SeedRun[] = [
  { id: 'r01', name: 'alpha', user: 'ann', start: 1000, acc: 0.9, model: 'tree', team: 'red' },
  { id: 'r02', name: 'beta', user: 'bob', start: 2000, acc: 0.7, model: 'Tree', team: 'blue' },
  { id: 'r03', name: 'gamma', user: 'ann', start: 3000, acc: Number.NaN, model: 'linear', status: 'FAILED' },
  { id: 'r04', name: 'delta', user: 'cy', start: 4000, model: 'tree_2', team: 'red', status: 'RUNNING' },
  { id: 'r05', name: 'eps', user: 'bob', start: 5000, acc: 0.3, model: 'tr%e' },
  { id: 'r06', name: 'zeta', user: 'ann', start: 6000, acc: 0.95, team: 'red', deleted: true },
  { id: 'r07', name: 'eta', user: 'ann', start: 7000, acc: 0.99, exp: B },
  { id: 'r08', name: 'theta', user: 'cy', start: 2000, acc: 0.7, model: 'tree' },
  { id: 'r09', name: 'iota', user: 'dee', start: 500, acc: -1e3 },
];

describeEachDialect('searchRunIds', (ctx) => {
  beforeAll(async () => {
    const { db } = ctx;
    await db
      .insertInto('experiments')
      .values([A, B].map((id) => ({ experiment_id: id, name: `exp-${id}`, lifecycle_stage: 'active', creation_time: id, last_update_time: id })))
      .execute();
    for (const r of RUNS) {
      await db
        .insertInto('runs')
        .values({
          run_uuid: r.id,
          name: r.name,
          experiment_id: r.exp ?? A,
          user_id: r.user,
          status: r.status ?? 'FINISHED',
          start_time: r.start,
          end_time: null,
          deleted_time: null,
          source_type: null,
          source_name: null,
          entry_point_name: null,
          source_version: null,
          lifecycle_stage: r.deleted ? 'deleted' : 'active',
          artifact_uri: `file:///tmp/${r.id}`,
        })
        .execute();
      if (r.acc !== undefined) {
        const nan = Number.isNaN(r.acc);
        await db
          .insertInto('latest_metrics')
          .values({ run_uuid: r.id, key: 'acc', value: nan ? 0 : r.acc, timestamp: 1, step: 0, is_nan: nan ? 1 : 0 })
          .execute();
      }
      if (r.model !== undefined) await db.insertInto('params').values({ run_uuid: r.id, key: 'model', value: r.model }).execute();
      if (r.team !== undefined) await db.insertInto('tags').values({ run_uuid: r.id, key: 'team', value: r.team }).execute();
      await db.insertInto('tags').values({ run_uuid: r.id, key: 'mlflow.runName', value: r.name }).execute();
    }
    // r01 trained on train/d1, r02 evaluated on eval/d2.
    for (const [run, name, digest, context] of [
      ['r01', 'train', 'd1', 'training'],
      ['r02', 'eval', 'd2', 'eval'],
    ] as const) {
      await db
        .insertInto('datasets')
        .values({ dataset_uuid: `ds-${name}`, experiment_id: A, name, digest, dataset_source_type: 'local', dataset_source: '{}', dataset_schema: null, dataset_profile: null })
        .execute();
      await db
        .insertInto('inputs')
        .values({ input_uuid: `in-${run}`, source_type: 'DATASET', source_id: `ds-${name}`, destination_type: 'RUN', destination_id: run, step: 0 })
        .execute();
      await db.insertInto('input_tags').values({ input_uuid: `in-${run}`, name: 'mlflow.data.context', value: context }).execute();
    }
  });

  const search = (q: Partial<RunSearchQuery>) =>
    searchRunIds(ctx.db, ctx.caps, { experimentIds: [String(A)], viewType: 'ACTIVE_ONLY', maxResults: 1000, ...q });
  const ids = async (q: Partial<RunSearchQuery>) => (await search(q)).runIds;

  const FILTERS: Array<[string, string[]]> = [
    ['', ['r05', 'r04', 'r03', 'r02', 'r08', 'r01', 'r09']],
    ['metrics.acc > 0.5', ['r02', 'r08', 'r01']],
    ['metrics.acc = 0.7', ['r02', 'r08']],
    // NaN is unequal to everything, as in IEEE arithmetic and MLflow's own comparison.
    ['metrics.acc != 0.7', ['r05', 'r03', 'r01', 'r09']],
    ['metrics.acc <= -1e2', ['r09']],
    ['metrics.acc >= -1e4 and metrics.acc < 0.8', ['r05', 'r02', 'r08', 'r09']],
    ["params.model = 'tree'", ['r08', 'r01']],
    // LIKE is case-sensitive on both dialects; ILIKE is not.
    ["params.model LIKE 'tree%'", ['r04', 'r08', 'r01']],
    ["params.model ILIKE 'tree'", ['r02', 'r08', 'r01']],
    // `\%` is a literal percent sign; unescaped it matches 'tree' too.
    ["params.model LIKE 'tr\\%e'", ['r05']],
    ["params.model LIKE 'tr%e'", ['r05', 'r08', 'r01']],
    ["params.model LIKE 'tree_2'", ['r04']],
    ["params.model != 'tree'", ['r05', 'r04', 'r03', 'r02']],
    ['tags.team IS NULL', ['r05', 'r03', 'r08', 'r09']],
    ['tags.team IS NOT NULL', ['r04', 'r02', 'r01']],
    ["tags.team != 'red'", ['r02']],
    ["tags.`mlflow.runName` = 'beta'", ['r02']],
    ["tags.mlflow.runName LIKE '%ta'", ['r04', 'r02', 'r08', 'r09']],
    ["attributes.status = 'FINISHED' AND user_id = 'ann'", ['r01']],
    ["run_name ILIKE '%ETA%'", ['r02', 'r08']],
    ["`Run name` = 'alpha'", ['r01']],
    ["attributes.run_id IN ('r01', 'r03', 'r07')", ['r03', 'r01']],
    ["run_id NOT IN ('r01', 'r02')", ['r05', 'r04', 'r03', 'r08', 'r09']],
    ['start_time >= 2000 AND start_time < 4000', ['r03', 'r02', 'r08']],
    ['created > 4500', ['r05']],
    ["datasets.name = 'train'", ['r01']],
    ["datasets.digest IN ('d1', 'd2')", ['r02', 'r01']],
    ["datasets.context = 'eval'", ['r02']],
    ["datasets.name LIKE 'tr%' AND metrics.acc > 0.8", ['r01']],
    ["status = 'FAILED' and params.model = 'tree'", []],
  ];
  it.each(FILTERS)('filters %s', async (filter, expected) => {
    expect(await ids({ filter })).toEqual(expected);
  });

  // Past PLANNED_PROBES clauses every probe is fenced off from the planner (search-sql/exists-probe.ts):
  // clauses that hold for every run, added to each filter, must leave its answer unchanged.
  const ALWAYS_TRUE = ['tags.`mlflow.runName` IS NOT NULL', 'tags.absent IS NULL'].flatMap((c) => Array.from({ length: PLANNED_PROBES }, () => c));
  it.each(FILTERS)('filters %s the same with fenced probes', async (filter, expected) => {
    expect(await ids({ filter: [filter, ...ALWAYS_TRUE].filter((c) => c !== '').join(' AND ') })).toEqual(expected);
  });

  const ORDERS: Array<[string[], string, string[]]> = [
    // Real values, then NaN, then runs without the metric, in either direction (MLflow's order).
    [['metrics.acc DESC'], '', ['r01', 'r02', 'r08', 'r05', 'r09', 'r03', 'r04']],
    [['metrics.acc'], '', ['r09', 'r05', 'r02', 'r08', 'r01', 'r03', 'r04']],
    // The same with a filter on the sorted metric (the planner's index path).
    [['metrics.acc ASC'], 'metrics.acc > 0', ['r05', 'r02', 'r08', 'r01']],
    [['metrics.acc DESC'], 'metrics.acc >= -1e4 AND metrics.acc < 0.8', ['r02', 'r08', 'r05', 'r09']],
    [['metrics.acc DESC'], 'metrics.acc != 0.7', ['r01', 'r05', 'r09', 'r03']],
    // Strings by code point, missing values last, ties by start_time DESC then run id.
    [['params.model DESC'], '', ['r04', 'r08', 'r01', 'r05', 'r03', 'r02', 'r09']],
    [['params.model'], '', ['r02', 'r03', 'r05', 'r08', 'r01', 'r04', 'r09']],
    [['run_name'], '', ['r01', 'r02', 'r04', 'r05', 'r03', 'r09', 'r08']],
    [['attributes.start_time ASC'], '', ['r09', 'r01', 'r02', 'r08', 'r03', 'r04', 'r05']],
    [['tags.team ASC', 'metrics.acc DESC'], '', ['r02', 'r01', 'r04', 'r08', 'r05', 'r09', 'r03']],
    [['user_id DESC', 'run_id DESC'], "status != 'RUNNING'", ['r09', 'r08', 'r05', 'r02', 'r03', 'r01']],
  ];
  it.each(ORDERS)('orders by %j with filter %s', async (orderBy, filter, expected) => {
    expect(await ids({ orderBy, filter })).toEqual(expected);
  });

  const VIEWS: Array<[ViewType, string, string[]]> = [
    ['ACTIVE_ONLY', 'metrics.acc > 0.9', []],
    ['DELETED_ONLY', '', ['r06']],
    ['ALL', 'metrics.acc > 0.8', ['r06', 'r01']],
  ];
  it.each(VIEWS)('view %s with filter %s', async (viewType, filter, expected) => {
    expect(await ids({ viewType, filter })).toEqual(expected);
  });

  it('searches several experiments at once, and none for an empty list', async () => {
    expect(await ids({ experimentIds: [String(A), String(B)], viewType: 'ALL', filter: 'metrics.acc > 0.9' })).toEqual(['r07', 'r06']);
    expect(await ids({ experimentIds: [] })).toEqual([]);
  });

  it('pages through the results with tokens', async () => {
    for (const [orderBy, size] of [[[], 3], [['metrics.acc DESC'], 2]] as const) {
      const all = await ids({ orderBy: [...orderBy] });
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await search({ orderBy: [...orderBy], maxResults: size, ...(token ? { pageToken: token } : {}) });
        expect(page.runIds.length).toBeLessThanOrEqual(size);
        seen.push(...page.runIds);
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / size));
    }
  });

  it('gives no token when the last page is exactly full', async () => {
    const page = await search({ filter: 'metrics.acc > 0.5', maxResults: 3 });
    expect(page.runIds).toHaveLength(3);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('gives the same pages whether the metric index or the experiment is walked first', async () => {
    // 20 runs of another experiment hold the highest values: a one-row page samples only them,
    // so SQLite walks experiment A instead; a large page reads the metric index first.
    await ctx.db.insertInto('experiments').values({ experiment_id: 103, name: 'exp-103', lifecycle_stage: 'active', creation_time: 1, last_update_time: 1 }).execute();
    for (let i = 0; i < 20; i++) {
      const id = `c${String(i).padStart(2, '0')}`;
      await ctx.db
        .insertInto('runs')
        .values({ run_uuid: id, name: id, experiment_id: 103, user_id: 'u', status: 'FINISHED', start_time: i, end_time: null, deleted_time: null, source_type: null, source_name: null, entry_point_name: null, source_version: null, lifecycle_stage: 'active', artifact_uri: null })
        .execute();
      await ctx.db.insertInto('latest_metrics').values({ run_uuid: id, key: 'acc', value: 0.999, timestamp: 1, step: 0, is_nan: 0 }).execute();
    }
    const q = { filter: 'metrics.acc > 0.5', orderBy: ['metrics.acc DESC'] };
    expect(await ids(q)).toEqual(['r01', 'r02', 'r08']);
    const first = await search({ ...q, maxResults: 1 });
    expect(first.runIds).toEqual(['r01']);
    const second = await search({ ...q, maxResults: 1, pageToken: first.nextPageToken! });
    expect(second.runIds).toEqual(['r02']);
    expect(await ids({ ...q, experimentIds: ['103'] })).toHaveLength(20);
  });

  it('rejects bad requests with INVALID_PARAMETER_VALUE', async () => {
    await expect(search({ maxResults: 0 })).rejects.toThrow(/max_results\. It must be a positive integer/);
    await expect(search({ maxResults: 50_001 })).rejects.toThrow(/It must be at most 50000/);
    await expect(search({ experimentIds: ['abc'] })).rejects.toThrow(/Invalid experiment id 'abc'/);
    await expect(search({ pageToken: 'bogus!' })).rejects.toThrow(InvalidParameterError);
    await expect(search({ filter: 'metrics.acc > 1 OR metrics.acc < 0' })).rejects.toThrow(/^Invalid clause\(s\) in filter string/);
    await expect(search({ orderBy: ['metrics.acc', 'metric.acc DESC'] })).rejects.toThrow(/duplicate fields/);
  });
});
