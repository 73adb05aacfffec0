import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

describeEachDialect('transition requests', (ctx) => {
  let f: RegistryFixture;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps);
  });
  afterAll(() => f.close());

  const setup = async (name: string, versions = 2) => {
    await f.registry.registeredModels.create({ name }, { actor: 'owner' });
    for (let i = 0; i < versions; i++) await f.registry.modelVersions.create({ name, source: `s3://b/${name}/${i}` }, { actor: 'owner' });
  };

  it('approving a request performs the transition and audits request, approval and moves', async () => {
    const { transitionRequests: requests, modelVersions: versions, events } = f.registry;
    await setup('tr-approve');
    await versions.transitionStage({ name: 'tr-approve', version: '1', stage: 'Production' }, { actor: 'owner' });
    const r = await requests.create({ name: 'tr-approve', version: '2', stage: 'production' }, { actor: 'ds', comment: 'AUC +3%' });
    expect(r).toMatchObject({ name: 'tr-approve', version: 2, toStage: 'Production', status: 'PENDING', requestedBy: 'ds', comment: 'AUC +3%' });
    // Requesting changes nothing yet.
    expect((await versions.get('tr-approve', '2')).currentStage).toBe('None');
    expect((await requests.list('tr-approve', '2')).map((x) => x.requestId)).toEqual([r.requestId]);

    const out = await requests.approve({ name: 'tr-approve', version: '2', stage: 'Production', archiveExistingVersions: true }, { actor: 'lead', comment: 'go' });
    expect(out.fromStage).toBe('None');
    expect(out.modelVersion.currentStage).toBe('Production');
    expect(out.requests[0]).toMatchObject({ status: 'APPROVED', resolvedBy: 'lead', resolvedComment: 'go' });
    expect((await versions.get('tr-approve', '1')).currentStage).toBe('Archived');
    expect(await requests.list('tr-approve', '2')).toEqual([]);
    const trail = (await events.list({ name: 'tr-approve' })).events.filter((e) => e.kind !== 'version_created' && e.kind !== 'model_created');
    expect(trail.map((e) => [e.kind, e.version, e.fromValue, e.toValue, e.actor, e.comment])).toEqual([
      ['stage_transition', 1, 'None', 'Production', 'owner', null],
      ['transition_requested', 2, null, 'Production', 'ds', 'AUC +3%'],
      ['stage_transition', 2, 'None', 'Production', 'lead', 'go'],
      ['stage_transition', 1, 'Production', 'Archived', 'lead', 'go'],
      ['transition_approved', 2, 'None', 'Production', 'lead', 'go'],
    ]);
    await expect(requests.approve({ name: 'tr-approve', version: '2', stage: 'Production' }, { actor: 'lead' })).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: "No open transition request to stage 'Production' for model version (name=tr-approve, version=2)",
    });
  });

  it('rejects and withdraws requests without touching the stage', async () => {
    const { transitionRequests: requests, modelVersions: versions } = f.registry;
    await setup('tr-reject', 1);
    await requests.create({ name: 'tr-reject', version: 1, stage: 'Staging' }, { actor: 'ds' });
    const rejected = await requests.reject({ name: 'tr-reject', version: 1, stage: 'staging' }, { actor: 'lead', comment: 'no tests' });
    expect(rejected[0]).toMatchObject({ status: 'REJECTED', resolvedBy: 'lead', resolvedComment: 'no tests' });
    expect((await versions.get('tr-reject', 1)).currentStage).toBe('None');

    await requests.create({ name: 'tr-reject', version: 1, stage: 'Staging' }, { actor: 'ds' });
    await requests.create({ name: 'tr-reject', version: 1, stage: 'Staging' }, { actor: 'other' });
    await expect(requests.cancel({ name: 'tr-reject', version: 1, stage: 'Staging', creator: 'nobody' }, { actor: 'ds' })).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    await requests.cancel({ name: 'tr-reject', version: 1, stage: 'Staging', creator: 'ds' }, { actor: 'ds' });
    expect((await requests.list('tr-reject', 1)).map((r) => r.requestedBy)).toEqual(['other']);
    expect((await versions.get('tr-reject', 1)).currentStage).toBe('None');
  });

  it('refuses requests for missing versions and bad stages', async () => {
    const { transitionRequests: requests } = f.registry;
    await setup('tr-bad', 1);
    await expect(requests.create({ name: 'tr-bad', version: 5, stage: 'Staging' }, { actor: 'ds' })).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=tr-bad, version=5) not found',
    });
    await expect(requests.create({ name: 'tr-bad', version: 1, stage: 'Live' }, { actor: 'ds' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(requests.cancel({ name: 'tr-bad', version: 1, stage: 'Staging' }, { actor: 'ds' })).rejects.toMatchObject({
      message: "Missing value for required parameter 'creator'.",
    });
  });

  it('a version deleted while a request is open takes its requests with it', async () => {
    const { transitionRequests: requests, modelVersions: versions, registeredModels: models } = f.registry;
    await setup('tr-gone', 1);
    await requests.create({ name: 'tr-gone', version: 1, stage: 'Staging' }, { actor: 'ds' });
    await models.delete('tr-gone', { actor: 'owner' });
    await models.create({ name: 'tr-gone' }, { actor: 'owner' });
    await versions.create({ name: 'tr-gone', source: 's3://b/new' }, { actor: 'owner' });
    expect(await requests.list('tr-gone', 1)).toEqual([]);
  });
});
