import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

const alice = { actor: 'alice' };

describeEachDialect('registry under concurrent writers', (ctx) => {
  let f: RegistryFixture;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps);
  });
  afterAll(() => f.close());

  it('racing version creations get distinct consecutive numbers', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    await models.create({ name: 'race-create' }, alice);
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => versions.create({ name: 'race-create', source: `s3://b/${i}` }, { actor: `w${i}` })),
    );
    expect(created.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Each creation's audit row carries its own number.
    const audit = (await f.registry.events.list({ name: 'race-create', kinds: ['version_created'] })).events;
    expect(new Set(audit.map((e) => e.version)).size).toBe(20);
  });

  it('racing promotions with archive_existing_versions leave exactly one version in Production', async () => {
    const { registeredModels: models, modelVersions: versions } = f.registry;
    for (let round = 0; round < 8; round++) {
      const name = `race-promote-${round}`;
      await models.create({ name }, alice);
      for (let i = 0; i < 4; i++) await versions.create({ name, source: `s3://b/${i}` }, alice);
      await Promise.all(
        [1, 2, 3, 4].map((v) =>
          versions.transitionStage({ name, version: v, stage: 'Production', archiveExistingVersions: true }, { actor: `promoter-${v}` }),
        ),
      );
      const inProduction = (await versions.search({ filter: `name = '${name}'` })).versions.filter((v) => v.currentStage === 'Production');
      expect(inProduction).toHaveLength(1);
      // The winner is the last promotion in the audit trail.
      const trail = (await f.registry.events.list({ name, kinds: ['stage_transition'] })).events;
      const last = trail.filter((e) => e.toValue === 'Production').at(-1)!;
      expect(last.version).toBe(inProduction[0]!.version);
      const archived = (await versions.search({ filter: `name = '${name}'` })).versions.filter((v) => v.currentStage === 'Archived');
      expect(archived).toHaveLength(3);
    }
  });

  it('racing alias moves leave the alias on one version with a consistent history', async () => {
    const { registeredModels: models, modelVersions: versions, events } = f.registry;
    await models.create({ name: 'race-alias' }, alice);
    for (let i = 0; i < 6; i++) await versions.create({ name: 'race-alias', source: `s3://b/${i}` }, alice);
    await Promise.all([1, 2, 3, 4, 5, 6].map((v) => versions.setAlias('race-alias', 'champion', v, { actor: `mover-${v}` })));
    const trail = (await events.list({ name: 'race-alias', kinds: ['alias_set'] })).events;
    expect(trail).toHaveLength(6);
    // Serialised moves: each one starts where the previous one ended.
    for (let i = 1; i < trail.length; i++) expect(trail[i]!.fromValue).toBe(trail[i - 1]!.toValue);
    expect(trail[0]!.fromValue).toBeNull();
    expect(String((await versions.getByAlias('race-alias', 'champion')).version)).toBe(trail.at(-1)!.toValue);
  });
});
