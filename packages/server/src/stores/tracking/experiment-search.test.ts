import { beforeAll, expect, it } from 'vitest';
import type { ViewType } from '@modelyard/contract';
import { describeEachDialect } from '../../../test/helpers/dialects.js';
import { searchExperimentIds } from './experiment-search.js';
import type { ExperimentSearchQuery } from './experiment-search.js';

interface SeedExperiment {
  id: number;
  name: string;
  deleted?: boolean;
  created: number | null;
  updated: number | null;
  tags?: Record<string, string>;
}

// Plus the `Default` experiment 0 that migration 002 creates with creation_time = now.
const EXPERIMENTS: SeedExperiment[] = [
  { id: 11, name: 'alpha', created: 100, updated: 500, tags: { team: 'red', env: 'prod' } },
  { id: 12, name: 'Beta', created: 200, updated: 400, tags: { team: 'blue' } },
  { id: 13, name: 'gamma', created: 300, updated: 300, tags: { team: 'red' }, deleted: true },
  { id: 14, name: 'delta_1', created: 200, updated: null },
  { id: 15, name: 'epsilon%', created: null, updated: 100, tags: { env: 'dev' } },
];

describeEachDialect('searchExperimentIds', (ctx) => {
  beforeAll(async () => {
    for (const e of EXPERIMENTS) {
      await ctx.db
        .insertInto('experiments')
        .values({
          experiment_id: e.id,
          name: e.name,
          artifact_location: null,
          lifecycle_stage: e.deleted ? 'deleted' : 'active',
          creation_time: e.created,
          last_update_time: e.updated,
        })
        .execute();
      for (const [key, value] of Object.entries(e.tags ?? {})) {
        await ctx.db.insertInto('experiment_tags').values({ experiment_id: e.id, key, value }).execute();
      }
    }
  });

  const search = (q: Partial<ExperimentSearchQuery>) =>
    searchExperimentIds(ctx.db, ctx.caps, { viewType: 'ACTIVE_ONLY', maxResults: 1000, ...q });
  const ids = async (q: Partial<ExperimentSearchQuery>) => (await search(q)).experimentIds;

  it('orders by creation_time DESC, then experiment_id ASC, by default', async () => {
    expect(await ids({})).toEqual(['0', '12', '14', '11', '15']);
  });

  const FILTERS: Array<[string, string[]]> = [
    ["name = 'alpha'", ['11']],
    ["attribute.name = 'alpha'", ['11']],
    ["name != 'alpha'", ['0', '12', '14', '15']],
    ["name LIKE 'b%'", []],
    ["name ILIKE 'b%'", ['12']],
    ["name LIKE '%\\_%'", ['14']],
    ["name LIKE 'epsilon\\%'", ['15']],
    ['creation_time > 150', ['0', '12', '14']],
    ['creation_time >= 200 AND creation_time <= 200', ['12', '14']],
    ['last_update_time < 450', ['12', '15']],
    ["tags.team = 'red'", ['11']],
    ["tags.team != 'red'", ['12']],
    ["tags.env LIKE '%d%'", ['11', '15']],
    ["tags.team ILIKE 'RED' and tags.env = 'prod'", ['11']],
    ['tags.team IS NULL', ['0', '14', '15']],
    ["tags.`env` = 'dev'", ['15']],
  ];
  it.each(FILTERS)('filters %s', async (filter, expected) => {
    expect(await ids({ filter })).toEqual(expected);
  });

  const ORDERS: Array<[string[], string[]]> = [
    // Code-point order on both dialects: capitals first.
    [['name'], ['12', '0', '11', '14', '15']],
    [['name DESC'], ['15', '14', '11', '0', '12']],
    // Missing values last; ties broken by experiment_id DESC once an order is given (MLflow).
    [['last_update_time DESC'], ['0', '11', '12', '15', '14']],
    [['creation_time ASC'], ['11', '14', '12', '0', '15']],
    [['experiment_id'], ['0', '11', '12', '14', '15']],
    [['experiment_id DESC'], ['15', '14', '12', '11', '0']],
    [['creation_time DESC', 'experiment_id ASC'], ['0', '12', '14', '11', '15']],
  ];
  it.each(ORDERS)('orders by %j', async (orderBy, expected) => {
    expect(await ids({ orderBy })).toEqual(expected);
  });

  const VIEWS: Array<[ViewType, string, string[]]> = [
    ['DELETED_ONLY', '', ['13']],
    ['ALL', "tags.team = 'red'", ['13', '11']],
    ['ACTIVE_ONLY', "name = 'gamma'", []],
  ];
  it.each(VIEWS)('view %s with filter %s', async (viewType, filter, expected) => {
    expect(await ids({ viewType, filter })).toEqual(expected);
  });

  it('pages through the results with tokens', async () => {
    const all = await ids({ viewType: 'ALL', orderBy: ['name'] });
    expect(all).toHaveLength(6);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await search({ viewType: 'ALL', orderBy: ['name'], maxResults: 4, ...(token ? { pageToken: token } : {}) });
      seen.push(...page.experimentIds);
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(all);
  });

  it('rejects bad requests with MLflow’s messages', async () => {
    await expect(search({ maxResults: 50_001 })).rejects.toThrow(/It must be at most 50000, but got value 50001/);
    await expect(search({ filter: "experiment_id = '1'" })).rejects.toThrow(/^Invalid attribute key 'experiment_id' specified/);
    await expect(search({ filter: "attributes.name = 'a'" })).rejects.toThrow(/^Invalid entity type 'attributes'/);
    await expect(search({ orderBy: ['tags.team'] })).rejects.toThrow(/^Invalid order_by entity 'tags'/);
  });
});
