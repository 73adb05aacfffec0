import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDialect, openTestStore, postgresUnavailableReason } from './dialects.js';

const EXPECTED_MIGRATIONS = ['001-tracking', '002-default-experiment'];

describeEachDialect('test store helper', (ctx) => {
  it('hands out a store of the named dialect, migrated to the latest schema', async () => {
    expect(ctx.caps.dialect).toBe(ctx.dialect);
    expect(ctx.uri.startsWith(ctx.dialect === 'sqlite' ? 'sqlite:///' : 'postgresql://')).toBe(true);
    const rows = await ctx.db.selectFrom('modelyard_migrations' as never).select(sql<string>`name`.as('name')).execute();
    expect(rows.map((r) => r.name).sort()).toEqual(expect.arrayContaining(EXPECTED_MIGRATIONS));
  });

  it('keeps writes within the suite', async () => {
    await ctx.db
      .insertInto('experiments')
      .values({ name: 'helper-suite', artifact_location: null, lifecycle_stage: 'active', creation_time: 1, last_update_time: 1 })
      .execute();
    const found = await ctx.db.selectFrom('experiments').select('name').where('name', '=', 'helper-suite').execute();
    expect(found).toHaveLength(1);
  });
});

describe('openTestStore', () => {
  it('gives every caller an empty store of its own', async () => {
    const dialects = postgresUnavailableReason() ? (['sqlite'] as const) : (['sqlite', 'postgres'] as const);
    for (const dialect of dialects) {
      const a = await openTestStore(dialect, 'isolation');
      const b = await openTestStore(dialect, 'isolation');
      try {
        expect(a.uri).not.toBe(b.uri);
        await a.db
          .insertInto('experiments')
          .values({ name: 'only-in-a', artifact_location: null, lifecycle_stage: 'active', creation_time: 1, last_update_time: 1 })
          .execute();
        const inB = await b.db.selectFrom('experiments').select('name').where('name', '=', 'only-in-a').execute();
        expect(inB).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    }
  });
});
