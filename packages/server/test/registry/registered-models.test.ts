import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

const alice = { actor: 'alice' };

describeEachDialect('registered models', (ctx) => {
  let f: RegistryFixture;
  let clock = 1_000;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps, { now: () => clock++ });
  });
  afterAll(() => f.close());

  it('creates a model with tags and description, gets it, and refuses a duplicate name', async () => {
    const models = f.registry.registeredModels;
    const created = await models.create(
      { name: 'rm-create', description: 'churn', tags: [{ key: 'team', value: 'a' }, { key: 'team', value: 'b' }, { key: 'x', value: '' }] },
      alice,
    );
    expect(created).toMatchObject({ name: 'rm-create', description: 'churn', latestVersions: [], aliases: [] });
    // A repeated key keeps the last value, as MLflow's store does.
    expect(created.tags).toEqual([{ key: 'team', value: 'b' }, { key: 'x', value: '' }]);
    expect(created.creationTimestamp).toBe(created.lastUpdatedTimestamp);

    await expect(models.create({ name: 'rm-create' }, alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=rm-create) already exists.',
    });
    await expect(models.get('rm-missing')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=rm-missing not found',
    });
    await expect(models.create({ name: '' }, alice)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'name'." });
    await expect(models.create({ name: 'x'.repeat(257) }, alice)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(models.create({ name: 'rm-bad-tag', tags: [{ key: '../up', value: '1' }] }, alice)).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await expect(models.get('rm-bad-tag')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('updates the description (keeping it when none is sent) and bumps last_updated', async () => {
    const models = f.registry.registeredModels;
    const m = await models.create({ name: 'rm-update', description: 'old' }, alice);
    const updated = await models.update('rm-update', 'new');
    expect(updated.description).toBe('new');
    expect(updated.lastUpdatedTimestamp).toBeGreaterThan(m.lastUpdatedTimestamp);
    expect((await models.update('rm-update', undefined)).description).toBe('new');
    expect((await models.update('rm-update', '')).description).toBe('');
    await expect(models.update('rm-nope', 'x')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('sets, overwrites and deletes tags; a missing tag deletes quietly, a missing model does not', async () => {
    const models = f.registry.registeredModels;
    await models.create({ name: 'rm-tags' }, alice);
    await models.setTag('rm-tags', { key: 'k', value: '1' });
    await models.setTag('rm-tags', { key: 'k', value: '2' });
    await models.setTag('rm-tags', { key: 'a', value: 'z' });
    expect((await models.get('rm-tags')).tags).toEqual([{ key: 'a', value: 'z' }, { key: 'k', value: '2' }]);
    await models.deleteTag('rm-tags', 'k');
    await models.deleteTag('rm-tags', 'never-set');
    expect((await models.get('rm-tags')).tags).toEqual([{ key: 'a', value: 'z' }]);
    await expect(models.setTag('rm-nope', { key: 'k', value: 'v' })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(models.deleteTag('rm-nope', 'k')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(models.setTag('rm-tags', { key: 'v', value: 'x'.repeat(5001) })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('renames: versions, tags, aliases and the audit trail follow; a taken name is refused', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'rm-old', tags: [{ key: 't', value: '1' }] }, alice);
    await versions.create({ name: 'rm-old', source: 's3://bucket/m1', tags: [{ key: 'vt', value: 'x' }] }, alice);
    await versions.setAlias('rm-old', 'champion', '1', alice);
    await models.create({ name: 'rm-taken' }, alice);

    await expect(models.rename('rm-old', 'rm-taken', alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=rm-taken) already exists.',
    });
    const renamed = await models.rename('rm-old', 'rm-new', { actor: 'bob' });
    expect(renamed).toMatchObject({ name: 'rm-new', tags: [{ key: 't', value: '1' }], aliases: [{ alias: 'champion', version: 1 }] });
    expect(renamed.latestVersions.map((v) => [v.name, v.version])).toEqual([['rm-new', 1]]);
    const v1 = await versions.get('rm-new', '1');
    expect(v1).toMatchObject({ tags: [{ key: 'vt', value: 'x' }], aliases: ['champion'] });
    await expect(models.get('rm-old')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(models.rename('rm-old', 'rm-x', alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(models.rename('rm-new', '', alice)).rejects.toMatchObject({ message: "Missing value for required parameter 'new_name'." });

    const history = (await events.list({ name: 'rm-new' })).events;
    expect(history.map((e) => [e.kind, e.actor])).toEqual([
      ['model_created', 'alice'],
      ['version_created', 'alice'],
      ['alias_set', 'alice'],
      ['model_renamed', 'bob'],
    ]);
    expect(history[3]).toMatchObject({ fromValue: 'rm-old', toValue: 'rm-new' });
  });

  it('deletes a model with its versions; the audit trail keeps the deletion', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'rm-del' }, alice);
    await versions.create({ name: 'rm-del', source: 's3://b/1' }, alice);
    await models.delete('rm-del', { actor: 'carol' });
    await expect(models.get('rm-del')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(versions.get('rm-del', '1')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(models.delete('rm-del', alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await events.list({ name: 'rm-del' })).events.map((e) => `${e.kind}:${e.actor}`)).toEqual([
      'model_created:alice',
      'version_created:alice',
      'model_deleted:carol',
    ]);
    // The name is free again, and numbering restarts with the new model.
    await models.create({ name: 'rm-del' }, alice);
    expect((await versions.create({ name: 'rm-del', source: 's3://b/2' }, alice)).version).toBe(1);
  });

  it('answers get-latest-versions per stage, every stage when none is named', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'rm-latest' }, alice);
    for (let i = 0; i < 5; i++) await versions.create({ name: 'rm-latest', source: `s3://b/${i}` }, alice);
    await versions.transitionStage({ name: 'rm-latest', version: '1', stage: 'production' }, alice);
    await versions.transitionStage({ name: 'rm-latest', version: '2', stage: 'Staging' }, alice);
    await versions.transitionStage({ name: 'rm-latest', version: '3', stage: 'STAGING' }, alice);
    await versions.transitionStage({ name: 'rm-latest', version: '4', stage: 'archived' }, alice);
    const all = await models.getLatestVersions('rm-latest');
    expect(all.map((v) => [v.version, v.currentStage])).toEqual([
      [1, 'Production'],
      [3, 'Staging'],
      [4, 'Archived'],
      [5, 'None'],
    ]);
    const some = await models.getLatestVersions('rm-latest', ['staging', 'Production']);
    expect(some.map((v) => v.version)).toEqual([1, 3]);
    await expect(models.getLatestVersions('rm-latest', ['Prod'])).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.',
    });
    await expect(models.getLatestVersions('rm-nope')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    // The registered model carries the same newest-per-stage list.
    expect((await models.get('rm-latest')).latestVersions.map((v) => v.version)).toEqual([1, 3, 4, 5]);
  });
});
