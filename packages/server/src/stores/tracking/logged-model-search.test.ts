import { beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/helpers/dialects.js';
import type { LoggedModelOrderByInput } from '../../domain/search/logged-model-order-by.js';
import { searchLoggedModelIds } from './logged-model-search.js';
import type { DatasetScope, LoggedModelSearchQuery } from './logged-model-search.js';

const E1 = 201;
const E2 = 202;

interface SeedMetric {
  value: number;
  ts: number;
  step: number;
  dataset?: [name: string, digest: string];
}

interface SeedModel {
  id: string;
  exp?: number;
  name: string;
  type: string | null;
  status: string;
  run: string | null;
  created: number;
  updated: number;
  deleted?: boolean;
  tags?: Record<string, string>;
  params?: Record<string, string>;
  acc?: SeedMetric[];
}

// Active models of E1 in the default order (creation DESC, model_id): m03 m04 m02 m01.
const MODELS: SeedModel[] = [
  {
    id: 'm01',
    name: 'classifier',
    type: 'sklearn',
    status: 'READY',
    run: 'run1',
    created: 100,
    updated: 150,
    tags: { stage: 'prod' },
    params: { lr: '0.1' },
    acc: [
      { value: 0.8, ts: 1, step: 0, dataset: ['eval', 'd1'] },
      { value: 0.95, ts: 2, step: 1, dataset: ['eval', 'd1'] },
      // Older but at a higher step: "latest" means latest timestamp first (MLflow), so not this.
      { value: 0.1, ts: 0, step: 5, dataset: ['eval', 'd1'] },
      { value: 0.99, ts: 3, step: 0, dataset: ['train', 'd0'] },
    ],
  },
  {
    id: 'm02',
    name: 'Classifier-v2',
    type: 'onnx',
    status: 'READY',
    run: 'run2',
    created: 200,
    updated: 250,
    tags: { stage: 'dev' },
    params: { lr: '0.01' },
    acc: [
      { value: 0.9, ts: 1, step: 0, dataset: ['eval', 'd1'] },
      { value: 0.2, ts: 5, step: 0, dataset: ['eval', 'd9'] },
    ],
  },
  { id: 'm03', name: 'regressor', type: null, status: 'PENDING', run: null, created: 300, updated: 300, params: { lr: '0.1' }, acc: [{ value: Number.NaN, ts: 1, step: 0, dataset: ['eval', 'd1'] }] },
  { id: 'm04', name: 'reg2', type: 'onnx', status: 'FAILED', run: 'run1', created: 300, updated: 350 },
  { id: 'm05', name: 'gone', type: 'onnx', status: 'READY', run: null, created: 400, updated: 400, deleted: true, acc: [{ value: 1, ts: 1, step: 0 }] },
  { id: 'm06', exp: E2, name: 'other', type: 'onnx', status: 'READY', run: null, created: 500, updated: 500, acc: [{ value: 0.95, ts: 1, step: 0 }] },
];

describeEachDialect('searchLoggedModelIds', (ctx) => {
  beforeAll(async () => {
    const { db } = ctx;
    await db
      .insertInto('experiments')
      .values([E1, E2].map((id) => ({ experiment_id: id, name: `exp-${id}`, lifecycle_stage: 'active', creation_time: id, last_update_time: id })))
      .execute();
    for (const m of MODELS) {
      await db
        .insertInto('logged_models')
        .values({
          model_id: m.id,
          experiment_id: m.exp ?? E1,
          name: m.name,
          artifact_location: `file:///tmp/${m.id}`,
          creation_timestamp_ms: m.created,
          last_updated_timestamp_ms: m.updated,
          status: m.status,
          status_message: null,
          lifecycle_stage: m.deleted ? 'deleted' : 'active',
          model_type: m.type,
          source_run_id: m.run,
        })
        .execute();
      for (const [tag_key, tag_value] of Object.entries(m.tags ?? {})) {
        await db.insertInto('logged_model_tags').values({ model_id: m.id, tag_key, tag_value }).execute();
      }
      for (const [param_key, param_value] of Object.entries(m.params ?? {})) {
        await db.insertInto('logged_model_params').values({ model_id: m.id, param_key, param_value }).execute();
      }
      for (const p of m.acc ?? []) {
        const nan = Number.isNaN(p.value);
        await db
          .insertInto('logged_model_metrics')
          .values({
            model_id: m.id,
            metric_name: 'acc',
            metric_timestamp_ms: p.ts,
            metric_step: p.step,
            metric_value: nan ? 0 : p.value,
            is_nan: nan ? 1 : 0,
            experiment_id: m.exp ?? E1,
            run_id: m.run ?? 'run0',
            dataset_uuid: null,
            dataset_name: p.dataset?.[0] ?? null,
            dataset_digest: p.dataset?.[1] ?? null,
          })
          .execute();
      }
    }
  });

  const search = (q: Partial<LoggedModelSearchQuery>) =>
    searchLoggedModelIds(ctx.db, ctx.caps, { experimentIds: [String(E1)], maxResults: 100, ...q });
  const ids = async (q: Partial<LoggedModelSearchQuery>) => (await search(q)).modelIds;

  const FILTERS: Array<[string, string[]]> = [
    ['', ['m03', 'm04', 'm02', 'm01']],
    ["name = 'classifier'", ['m01']],
    ["name LIKE 'C%'", ['m02']],
    ["name ILIKE 'c%'", ['m02', 'm01']],
    ["model_type = 'onnx'", ['m04', 'm02']],
    ["attributes.status != 'READY'", ['m03', 'm04']],
    ["source_run_id = 'run1'", ['m04', 'm01']],
    ["model_id = 'm02'", ['m02']],
    ['creation_time >= 200', ['m03', 'm04', 'm02']],
    ['last_updated_timestamp < 300', ['m02', 'm01']],
    ["tags.stage = 'prod'", ['m01']],
    ["tags.stage LIKE '%'", ['m02', 'm01']],
    ["params.lr = '0.1'", ['m03', 'm01']],
    // Any logged value of the metric counts, not only the latest (MLflow's SQL store).
    ['metrics.acc > 0.96', ['m01']],
    ['metrics.acc >= 0.9', ['m02', 'm01']],
    ['metrics.acc < 0.15', ['m01']],
    ['metrics.acc = 0.9', ['m02']],
    ['metrics.acc != 0.9', ['m03', 'm02', 'm01']],
    ["metrics.acc > 0.8 AND params.lr = '0.1'", ['m01']],
  ];
  it.each(FILTERS)('filters %s', async (filter, expected) => {
    expect(await ids({ filter })).toEqual(expected);
  });

  const DATASETS: Array<[DatasetScope[], string, string[]]> = [
    [[{ datasetName: 'eval' }], 'metrics.acc > 0.96', []],
    [[{ datasetName: 'eval' }], 'metrics.acc > 0.92', ['m01']],
    [[{ datasetName: 'eval', datasetDigest: 'd9' }], 'metrics.acc < 0.5', ['m02']],
    [[{ datasetName: 'eval', datasetDigest: 'd1' }], 'metrics.acc < 0.5', ['m01']],
    [[{ datasetName: 'eval', datasetDigest: 'd1' }, { datasetName: 'train' }], 'metrics.acc > 0.96', ['m01']],
    // Without a metric filter, datasets keep the models with some metric on them.
    [[{ datasetName: 'train' }], '', ['m01']],
    [[{ datasetName: 'eval' }], '', ['m03', 'm02', 'm01']],
    [[{ datasetName: 'eval', datasetDigest: 'd9' }], "name ILIKE '%classifier%'", ['m02']],
  ];
  it.each(DATASETS)('restricts to datasets %j with filter %s', async (datasets, filter, expected) => {
    expect(await ids({ datasets, filter })).toEqual(expected);
  });

  const ORDERS: Array<[LoggedModelOrderByInput[], string[]]> = [
    // Latest value (m01: 0.99 on train, m02: 0.2), NaN and missing last in both directions.
    [[{ fieldName: 'metrics.acc', ascending: false }], ['m01', 'm02', 'm03', 'm04']],
    [[{ fieldName: 'metrics.acc' }], ['m02', 'm01', 'm03', 'm04']],
    // Scoped to eval/d1: m01's latest there is 0.95 (timestamp 2), m02's 0.9.
    [[{ fieldName: 'metrics.acc', ascending: false, datasetName: 'eval', datasetDigest: 'd1' }], ['m01', 'm02', 'm03', 'm04']],
    [[{ fieldName: 'metrics.acc', ascending: true, datasetName: 'train' }], ['m01', 'm03', 'm04', 'm02']],
    [[{ fieldName: 'name' }], ['m02', 'm01', 'm04', 'm03']],
    [[{ fieldName: 'model_type', ascending: false }], ['m01', 'm04', 'm02', 'm03']],
    [[{ fieldName: 'creation_time', ascending: true }], ['m01', 'm02', 'm03', 'm04']],
    [[{ fieldName: 'last_updated_timestamp', ascending: false }], ['m04', 'm03', 'm02', 'm01']],
    [[{ fieldName: 'status' }, { fieldName: 'model_id', ascending: false }], ['m04', 'm03', 'm02', 'm01']],
  ];
  it.each(ORDERS)('orders by %j', async (orderBy, expected) => {
    expect(await ids({ orderBy })).toEqual(expected);
  });

  it('leaves out deleted models and searches only the given experiments', async () => {
    expect(await ids({ experimentIds: [String(E1), String(E2)], filter: 'metrics.acc >= 0.9' })).toEqual(['m06', 'm02', 'm01']);
    expect(await ids({ experimentIds: [] })).toEqual([]);
  });

  it('pages with tokens bound to the query, as MLflow 3 does', async () => {
    const q = { filter: "status != 'x'", orderBy: [{ fieldName: 'metrics.acc', ascending: false }] };
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await search({ ...q, maxResults: 1, ...(token ? { pageToken: token } : {}) });
      seen.push(...page.modelIds);
      token = page.nextPageToken;
      pages++;
      if (token && pages === 1) {
        await expect(search({ ...q, filter: "status != 'y'", maxResults: 1, pageToken: token })).rejects.toThrow(
          /^Invalid page token: its filter_string "status != 'x'" does not match/,
        );
        await expect(search({ ...q, experimentIds: [String(E2)], maxResults: 1, pageToken: token })).rejects.toThrow(/its experiment_ids/);
        await expect(search({ filter: q.filter, maxResults: 1, pageToken: token })).rejects.toThrow(/its order_by/);
      }
    } while (token);
    expect(pages).toBe(4);
    expect(seen).toEqual(['m01', 'm02', 'm03', 'm04']);
  });

  it('rejects bad requests with INVALID_PARAMETER_VALUE', async () => {
    await expect(search({ datasets: [{ datasetName: '' }] })).rejects.toThrow(/^`dataset_name` in the `datasets` clause must be specified/);
    await expect(search({ filter: 'metric.acc > 1' })).rejects.toThrow(/^Invalid entity type 'metric'/);
    await expect(search({ orderBy: [{ fieldName: 'params.lr' }] })).rejects.toThrow(/^Invalid order by field name/);
    await expect(search({ maxResults: 0 })).rejects.toThrow(/must be a positive integer/);
  });
});
