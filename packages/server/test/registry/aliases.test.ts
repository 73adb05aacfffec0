import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import type { RegistryChange } from '../../src/domain/registry.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

const alice = { actor: 'alice' };

describeEachDialect('model aliases', (ctx) => {
  let f: RegistryFixture;
  const changes: RegistryChange[] = [];
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps, {
      onChange: async (tx, change) => {
        // The listener runs inside the write's transaction: the change is visible to it.
        if (change.entity === 'model_version_alias' && change.action === 'created') {
          const row = await tx
            .selectFrom('registered_model_aliases')
            .select('version')
            .where('name', '=', String(change.data.name))
            .where('alias', '=', String(change.data.alias))
            .executeTakeFirst();
          expect(String(row?.version)).toBe(change.data.version);
        }
        changes.push(change);
      },
    });
  });
  afterAll(() => f.close());

  it('sets, moves, resolves and deletes aliases, auditing every move', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'al-a' }, alice);
    for (let i = 1; i <= 3; i++) await versions.create({ name: 'al-a', source: `s3://b/${i}` }, alice);
    await versions.setAlias('al-a', 'champion', '1', { actor: 'alice', comment: 'baseline' });
    expect(await versions.getByAlias('al-a', 'champion')).toMatchObject({ version: 1, aliases: ['champion'] });
    await versions.setAlias('al-a', 'champion', '3', { actor: 'bob', comment: 'won the A/B test' });
    await versions.setAlias('al-a', 'challenger', '2', alice);
    expect((await versions.getByAlias('al-a', 'champion')).version).toBe(3);
    expect((await versions.get('al-a', '1')).aliases).toEqual([]);
    expect((await models.get('al-a')).aliases).toEqual([
      { alias: 'challenger', version: 2 },
      { alias: 'champion', version: 3 },
    ]);
    await versions.deleteAlias('al-a', 'challenger', { actor: 'carol' });
    await versions.deleteAlias('al-a', 'never-set', alice);
    await expect(versions.getByAlias('al-a', 'challenger')).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias challenger not found.',
    });
    const trail = (await events.list({ name: 'al-a', kinds: ['alias_set', 'alias_deleted'] })).events;
    expect(trail.map((e) => [e.kind, e.alias, e.fromValue, e.toValue, e.actor, e.comment])).toEqual([
      ['alias_set', 'champion', null, '1', 'alice', 'baseline'],
      ['alias_set', 'champion', '1', '3', 'bob', 'won the A/B test'],
      ['alias_set', 'challenger', null, '2', 'alice', null],
      ['alias_deleted', 'challenger', '2', null, 'carol', null],
    ]);
    expect(changes.filter((c) => c.entity === 'model_version_alias').map((c) => `${c.action}:${String(c.data.alias)}`)).toEqual([
      'created:champion',
      'created:champion',
      'created:challenger',
      'deleted:challenger',
    ]);
  });

  it('refuses reserved and malformed aliases, missing versions and missing models', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'al-b' }, alice);
    await versions.create({ name: 'al-b', source: 's3://b/1' }, alice);
    const cases: Array<[string, string]> = [
      ['latest', "'latest' alias name (case insensitive) is reserved."],
      ['LATEST', "'latest' alias name (case insensitive) is reserved."],
      ['v3', "Version alias name 'v3' is reserved."],
      ['has space', "Invalid alias name: 'has space'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
      ['', 'Registered model alias name cannot be empty.'],
    ];
    for (const [alias, message] of cases) {
      await expect(versions.setAlias('al-b', alias, '1', alice)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message });
    }
    await expect(versions.setAlias('al-b', 'x', '2', alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=al-b, version=2) not found',
    });
    await expect(versions.setAlias('al-none', 'x', '1', alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(versions.deleteAlias('al-none', 'x', alice)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Registered Model with name=al-none not found',
    });
    await expect(versions.getByAlias('al-none', 'x')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });
});
