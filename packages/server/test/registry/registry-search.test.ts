import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

const alice = { actor: 'alice' };

describeEachDialect('registry search', (ctx) => {
  let f: RegistryFixture;
  let clock = 50_000;
  const runs: string[] = [];
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps, { now: () => clock++ });
    const { registeredModels: models, modelVersions: versions } = f.registry;
    // Created in this order, so last_updated_time follows it too.
    for (const [name, team] of [
      ['Fraud-Detector', 'risk'],
      ['churn-model', 'growth'],
      ['churn_model_v2', 'growth'],
      ['pricing', 'risk'],
    ] as const) {
      await models.create({ name, tags: [{ key: 'team', value: team }] }, alice);
    }
    await models.create({ name: 'my-prompt', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] }, alice);
    for (let i = 0; i < 3; i++) runs.push((await f.newRun()).runId);
    for (let i = 0; i < 3; i++) {
      await versions.create({ name: 'churn-model', source: `s3://bucket/churn/${i}`, runId: runs[i], tags: [{ key: 'auc', value: `0.${7 + i}` }] }, alice);
    }
    await versions.create({ name: 'pricing', source: 's3://bucket/pricing/0', runId: runs[0] }, alice);
  });
  afterAll(() => f.close());

  const modelNames = async (q: Parameters<RegistryFixture['registry']['registeredModels']['search']>[0]) =>
    (await f.registry.registeredModels.search(q)).models.map((m) => m.name);

  it('filters registered models by name (=, !=, LIKE, ILIKE) and tags, leaving prompts out', async () => {
    expect(await modelNames({})).toEqual(['Fraud-Detector', 'churn-model', 'churn_model_v2', 'pricing']);
    expect(await modelNames({ filter: "name = 'pricing'" })).toEqual(['pricing']);
    expect(await modelNames({ filter: "name != 'pricing'" })).toEqual(['Fraud-Detector', 'churn-model', 'churn_model_v2']);
    // LIKE is case-sensitive on both dialects, `_` matches one character.
    expect(await modelNames({ filter: "name LIKE 'churn_model%'" })).toEqual(['churn-model', 'churn_model_v2']);
    expect(await modelNames({ filter: "name LIKE 'fraud%'" })).toEqual([]);
    expect(await modelNames({ filter: "name ILIKE 'fraud%'" })).toEqual(['Fraud-Detector']);
    expect(await modelNames({ filter: "tags.team = 'risk'" })).toEqual(['Fraud-Detector', 'pricing']);
    expect(await modelNames({ filter: "tags.team = 'growth' and name LIKE '%v2'" })).toEqual(['churn_model_v2']);
    expect(await modelNames({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual(['my-prompt']);
    await expect(modelNames({ filter: "creation_timestamp > 1" })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('orders registered models and pages through them with tokens', async () => {
    expect(await modelNames({ orderBy: ['name DESC'] })).toEqual(['pricing', 'churn_model_v2', 'churn-model', 'Fraud-Detector']);
    // pricing and churn-model got versions last, so they were updated last.
    expect(await modelNames({ orderBy: ['last_updated_timestamp DESC'] })).toEqual(['pricing', 'churn-model', 'churn_model_v2', 'Fraud-Detector']);
    expect(await modelNames({ orderBy: ['timestamp ASC'] })).toEqual(['Fraud-Detector', 'churn_model_v2', 'churn-model', 'pricing']);
    await expect(modelNames({ orderBy: ['name', 'name DESC'] })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await f.registry.registeredModels.search({ maxResults: 3, pageToken: token });
      seen.push(...page.models.map((m) => m.name));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(['Fraud-Detector', 'churn-model', 'churn_model_v2', 'pricing']);
    await expect(modelNames({ maxResults: 1001 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(modelNames({ maxResults: 0 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(modelNames({ pageToken: 'not a token!' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  const versionKeys = async (q: Parameters<RegistryFixture['registry']['modelVersions']['search']>[0]) =>
    (await f.registry.modelVersions.search(q)).versions.map((v) => `${v.name}/${v.version}`);

  it('filters model versions by name, run_id (IN), version_number, source_path and tags', async () => {
    expect(await versionKeys({ filter: "name = 'churn-model'" })).toEqual(['churn-model/3', 'churn-model/2', 'churn-model/1']);
    expect(await versionKeys({ filter: `run_id = '${runs[0]}'` })).toEqual(['pricing/1', 'churn-model/1']);
    expect(await versionKeys({ filter: `run_id IN ('${runs[1]}', '${runs[2]}')` })).toEqual(['churn-model/3', 'churn-model/2']);
    expect(await versionKeys({ filter: "name = 'churn-model' and version_number >= 2" })).toEqual(['churn-model/3', 'churn-model/2']);
    expect(await versionKeys({ filter: "version_number = '1'" })).toEqual(['pricing/1', 'churn-model/1']);
    expect(await versionKeys({ filter: "source_path LIKE 's3://bucket/churn/%'" })).toHaveLength(3);
    expect(await versionKeys({ filter: "tags.auc = '0.8'" })).toEqual(['churn-model/2']);
    expect(await versionKeys({ filter: "tags.auc LIKE '0.%' and name ILIKE 'CHURN%'" })).toHaveLength(3);
    await expect(versionKeys({ filter: "run_id NOT IN ('x')" })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(versionKeys({ filter: 'current_stage = 1' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('orders model versions (default: last updated, name, version) and pages', async () => {
    expect(await versionKeys({})).toEqual(['pricing/1', 'churn-model/3', 'churn-model/2', 'churn-model/1']);
    expect(await versionKeys({ orderBy: ['name ASC', 'version_number ASC'] })).toEqual(['churn-model/1', 'churn-model/2', 'churn-model/3', 'pricing/1']);
    const first = await f.registry.modelVersions.search({ orderBy: ['version_number ASC'], maxResults: 2 });
    expect(first.versions.map((v) => `${v.name}/${v.version}`)).toEqual(['churn-model/1', 'pricing/1']);
    const second = await f.registry.modelVersions.search({ orderBy: ['version_number ASC'], maxResults: 2, pageToken: first.nextPageToken });
    expect(second.versions.map((v) => `${v.name}/${v.version}`)).toEqual(['churn-model/2', 'churn-model/3']);
    expect(second.nextPageToken).toBeUndefined();
    await expect(versionKeys({ maxResults: 200_001 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });
});
