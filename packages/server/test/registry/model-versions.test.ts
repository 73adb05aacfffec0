import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

const alice = { actor: 'alice' };

describeEachDialect('model versions', (ctx) => {
  let f: RegistryFixture;
  let clock = 10_000;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps, { now: () => clock++ });
  });
  afterAll(() => f.close());

  it('numbers versions 1, 2, 3 and resolves a runs:/ source to the run artifact location', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'mv-runs' }, alice);
    const run = await f.newRun();
    const v1 = await versions.create(
      { name: 'mv-runs', source: `runs:/${run.runId}/model`, description: 'first', tags: [{ key: 'k', value: 'v' }], runLink: 'http://dev/r' },
      alice,
    );
    expect(v1).toMatchObject({
      name: 'mv-runs',
      version: 1,
      currentStage: 'None',
      status: 'READY',
      source: `runs:/${run.runId}/model`,
      storageLocation: `${run.artifactUri}/model`,
      // The run id is taken from the source when the client sends none.
      runId: run.runId,
      runLink: 'http://dev/r',
      description: 'first',
      userId: 'alice',
      tags: [{ key: 'k', value: 'v' }],
      aliases: [],
    });
    expect(await versions.getDownloadUri('mv-runs', '1')).toBe(`${run.artifactUri}/model`);
    const v2 = await versions.create({ name: 'mv-runs', source: 'mlflow-artifacts:/0/abc/artifacts/model', runId: run.runId }, { actor: 'anonymous' });
    expect(v2).toMatchObject({ version: 2, storageLocation: 'mlflow-artifacts:/0/abc/artifacts/model', runId: run.runId, userId: null });
    expect((await versions.create({ name: 'mv-runs', source: 's3://b/x' }, alice)).version).toBe(3);
    expect((await models.get('mv-runs')).lastUpdatedTimestamp).toBeGreaterThan(v1.creationTimestamp);
  });

  it('resolves models:/m-<id> logged models and models:/name/<version> sources', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'mv-logged' }, alice);
    const run = await f.newRun();
    const modelId = await f.newLoggedModel({ runId: run.runId, artifactLocation: 'mlflow-artifacts:/0/models/m-1/artifacts' });
    const v = await versions.create({ name: 'mv-logged', source: `models:/${modelId}` }, alice);
    expect(v).toMatchObject({ storageLocation: 'mlflow-artifacts:/0/models/m-1/artifacts', runId: run.runId, modelId });

    await models.create({ name: 'mv-copy' }, alice);
    const copy = await versions.create({ name: 'mv-copy', source: 'models:/mv-logged/1' }, alice);
    expect(copy.storageLocation).toBe('mlflow-artifacts:/0/models/m-1/artifacts');
    await expect(versions.create({ name: 'mv-copy', source: 'models:/m-doesnotexist' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(versions.create({ name: 'mv-copy', source: 'models:/mv-logged/9' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=mv-logged, version=9) not found',
    });
  });

  it('refuses unknown models and runs, relative paths and local paths outside the run', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await expect(versions.create({ name: 'mv-none', source: 's3://b/x' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=mv-none not found',
    });
    await models.create({ name: 'mv-bad' }, alice);
    await expect(versions.create({ name: 'mv-bad', source: '' }, alice)).rejects.toMatchObject({ message: "Missing value for required parameter 'source'." });
    await expect(versions.create({ name: 'mv-bad', source: 'runs:/0123456789abcdef0123456789abcdef/m' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    for (const source of ['mlflow-artifacts:/0/../../etc', 'mlflow-artifacts:/0/%2e%2e/%2e%2e/etc', 's3://b/a/../../x']) {
      await expect(versions.create({ name: 'mv-bad', source }, alice)).rejects.toMatchObject({
        errorCode: 'INVALID_PARAMETER_VALUE',
        message: expect.stringContaining(`Invalid model version source: '${source}'`),
      });
    }
    await expect(versions.create({ name: 'mv-bad', source: '/etc' }, alice)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('the run_id request parameter has to be specified'),
    });
    // A local path inside the run's (local) artifact folder is accepted, as in MLflow.
    await f.tracking.experiments.create({ name: 'mv-local-exp', artifactLocation: join(f.config.artifactsDestination, 'local-artifacts') });
    const exp = await f.tracking.experiments.getByName('mv-local-exp');
    const run = await f.tracking.runs.create({ experimentId: exp.experimentId });
    const inside = join(run.info.artifactUri, 'model');
    mkdirSync(inside, { recursive: true });
    expect((await versions.create({ name: 'mv-bad', source: inside, runId: run.info.runId }, alice)).storageLocation).toBe(inside);
    await expect(versions.create({ name: 'mv-bad', source: join(f.config.dataDir, 'elsewhere'), runId: run.info.runId }, alice)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('transitions stages, archives the displaced versions and audits each move with actor and comment', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'mv-stage' }, alice);
    for (let i = 0; i < 3; i++) await versions.create({ name: 'mv-stage', source: `s3://b/${i}` }, alice);
    await versions.transitionStage({ name: 'mv-stage', version: '1', stage: 'Production' }, { actor: 'bob', comment: 'first release' });
    await versions.transitionStage({ name: 'mv-stage', version: '2', stage: 'Production' }, alice);
    // Without archive_existing_versions two versions may share a stage (MLflow's behaviour).
    expect((await versions.get('mv-stage', '1')).currentStage).toBe('Production');
    const moved = await versions.transitionStage(
      { name: 'mv-stage', version: 3, stage: 'production', archiveExistingVersions: true },
      { actor: 'carol', comment: 'better AUC' },
    );
    expect(moved.currentStage).toBe('Production');
    expect((await versions.get('mv-stage', '1')).currentStage).toBe('Archived');
    expect((await versions.get('mv-stage', '2')).currentStage).toBe('Archived');

    const trail = (await events.list({ name: 'mv-stage', kinds: ['stage_transition'] })).events;
    expect(trail.map((e) => [e.version, e.fromValue, e.toValue, e.actor, e.comment])).toEqual([
      [1, 'None', 'Production', 'bob', 'first release'],
      [2, 'None', 'Production', 'alice', null],
      [3, 'None', 'Production', 'carol', 'better AUC'],
      [1, 'Production', 'Archived', 'carol', 'better AUC'],
      [2, 'Production', 'Archived', 'carol', 'better AUC'],
    ]);
    expect(new Set(trail.slice(2).map((e) => e.timestamp)).size).toBe(1);
    expect((await events.list({ name: 'mv-stage', version: 1, kinds: ['stage_transition'] })).events).toHaveLength(2);

    await expect(versions.transitionStage({ name: 'mv-stage', version: '1', stage: 'Prod' }, alice)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.',
    });
    await expect(
      versions.transitionStage({ name: 'mv-stage', version: '1', stage: 'Archived', archiveExistingVersions: true }, alice),
    ).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'Archived' is not an Active stage") });
    await expect(versions.transitionStage({ name: 'mv-stage', version: '9', stage: 'Staging' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=mv-stage, version=9) not found',
    });
    await expect(versions.transitionStage({ name: 'mv-stage', version: 'one', stage: 'Staging' }, alice)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: "Parameter 'version' must be an integer, got 'one'.",
    });
  });

  it('updates descriptions, sets and deletes version tags', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'mv-meta' }, alice);
    await versions.create({ name: 'mv-meta', source: 's3://b/1', description: 'd1' }, alice);
    expect((await versions.update('mv-meta', '1', 'd2')).description).toBe('d2');
    expect((await versions.update('mv-meta', '1', undefined)).description).toBe('d2');
    await versions.setTag('mv-meta', '1', { key: 'b', value: '1' }, alice);
    await versions.setTag('mv-meta', '1', { key: 'a', value: '2' }, alice);
    await versions.setTag('mv-meta', '1', { key: 'b', value: '3' }, alice);
    expect((await versions.get('mv-meta', '1')).tags).toEqual([{ key: 'a', value: '2' }, { key: 'b', value: '3' }]);
    await versions.deleteTag('mv-meta', '1', 'a', alice);
    await versions.deleteTag('mv-meta', '1', 'missing', alice);
    expect((await versions.get('mv-meta', '1')).tags).toEqual([{ key: 'b', value: '3' }]);
    await expect(versions.setTag('mv-meta', '2', { key: 'a', value: '1' }, alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(versions.update('mv-meta', '2', 'x')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('soft-deletes a version: hidden everywhere, its number never reused, its aliases removed and audited', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'mv-del' }, alice);
    await versions.create({ name: 'mv-del', source: 's3://b/1' }, alice);
    await versions.create({ name: 'mv-del', source: 's3://b/2' }, alice);
    await versions.setAlias('mv-del', 'champion', '2', alice);
    await versions.setAlias('mv-del', 'candidate', '2', alice);
    await versions.delete('mv-del', '2', { actor: 'dave' });
    await expect(versions.get('mv-del', '2')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(versions.getByAlias('mv-del', 'champion')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    expect((await models.get('mv-del')).aliases).toEqual([]);
    expect((await models.getLatestVersions('mv-del')).map((v) => v.version)).toEqual([1]);
    expect((await versions.search({ filter: "name = 'mv-del'" })).versions.map((v) => v.version)).toEqual([1]);
    expect((await versions.create({ name: 'mv-del', source: 's3://b/3' }, alice)).version).toBe(3);
    await expect(versions.delete('mv-del', '2', alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    const trail = (await events.list({ name: 'mv-del', version: 2 })).events.slice(-3);
    expect(trail.map((e) => [e.kind, e.alias, e.actor])).toEqual([
      ['alias_deleted', 'candidate', 'dave'],
      ['alias_deleted', 'champion', 'dave'],
      ['version_deleted', null, 'dave'],
    ]);
  });

  it('resolves models:/ URIs by version, stage, latest and alias', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'mv-uri' }, alice);
    for (let i = 1; i <= 3; i++) await versions.create({ name: 'mv-uri', source: `s3://b/${i}` }, alice);
    await versions.transitionStage({ name: 'mv-uri', version: '2', stage: 'Staging' }, alice);
    await versions.setAlias('mv-uri', 'champion', '1', alice);
    const at = async (uri: string) => (await versions.resolveModelUri(uri)).downloadUri;
    expect(await at('models:/mv-uri/1')).toBe('s3://b/1');
    expect(await at('models:/mv-uri/staging')).toBe('s3://b/2');
    expect(await at('models:/mv-uri/latest')).toBe('s3://b/3');
    expect(await at('models:/mv-uri@champion')).toBe('s3://b/1');
    await expect(at('models:/mv-uri/Production')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: "No versions of model with name 'mv-uri' and stage 'Production' found",
    });
    await expect(at('models:/mv-uri@nobody')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(at('models:/nope/latest')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(at('models:/just-a-name')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Not a proper models:/ URI') });
  });
});
