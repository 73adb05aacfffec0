import { describe, expect, it } from 'vitest';
import { query, runRead, runStatement, runTransaction, valuesList } from '../../src/db/sql-program.js';
import { describeEachDialect, openTestStore } from '../helpers/dialects.js';

/** Experiments are the simplest table to write: (id, name, artifact location, lifecycle, times). */
function* insertExperiment(name: string) {
  const [row] = yield* query<{ experiment_id: number | string }>(
    `insert into experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) values ${valuesList(1, 5)} returning experiment_id`,
    [name, `/tmp/${name}`, 'active', 1, 1],
  );
  return Number(row!.experiment_id);
}

describeEachDialect('SQL programs', (ctx) => {
  it('runs a transaction: later statements see earlier rows, and the result comes back', async () => {
    const id = await runTransaction(ctx.db, ctx.caps, function* () {
      const created = yield* insertExperiment('program-a');
      const [row] = yield* query<{ name: string }>('select name from experiments where experiment_id = ?', [created]);
      expect(row?.name).toBe('program-a');
      return created;
    });
    const rows = await runStatement<{ name: string }>(ctx.db, ctx.caps, 'select name from experiments where experiment_id = ?', [id]);
    expect(rows).toEqual([{ name: 'program-a' }]);
  });

  it('rolls the whole transaction back when the program throws', async () => {
    await expect(
      runTransaction(ctx.db, ctx.caps, function* () {
        yield* insertExperiment('program-rolled-back');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const rows = await runStatement(ctx.db, ctx.caps, 'select 1 from experiments where name = ?', ['program-rolled-back']);
    expect(rows).toEqual([]);
  });

  it('rolls back when a statement fails, leaving the connection usable', async () => {
    await runTransaction(ctx.db, ctx.caps, function* () {
      yield* insertExperiment('program-unique');
    });
    await expect(
      runTransaction(ctx.db, ctx.caps, function* () {
        yield* insertExperiment('program-before-failure');
        yield* insertExperiment('program-unique');
      }),
    ).rejects.toThrow();
    expect(await runStatement(ctx.db, ctx.caps, 'select 1 from experiments where name = ?', ['program-before-failure'])).toEqual([]);
    // Kysely works on the same connection afterwards (no transaction left open).
    const viaKysely = await ctx.db.selectFrom('experiments').select('name').where('name', '=', 'program-unique').execute();
    expect(viaKysely).toEqual([{ name: 'program-unique' }]);
  });

  it('reads several statements with runRead', async () => {
    const names = await runRead(ctx.db, ctx.caps, function* () {
      const a = yield* query<{ name: string }>('select name from experiments where name in (?, ?) order by name', ['program-a', 'program-unique']);
      const n = yield* query<{ n: number | string }>('select count(*) as n from experiments where name = ?', ['program-a']);
      return [...a.map((r) => r.name), Number(n[0]!.n)];
    });
    expect(names).toEqual(['program-a', 'program-unique', 1]);
  });
});

describe('SQL programs on SQLite share the connection with Kysely', () => {
  it('waits for an open Kysely transaction instead of running inside it', async () => {
    const store = await openTestStore('sqlite', 'program-interleave');
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let kyselyInside!: () => void;
      const inside = new Promise<void>((r) => (kyselyInside = r));
      // A Kysely transaction that writes, then waits mid-transaction, then fails (rolls back).
      const kyselyTx = store.db
        .transaction()
        .execute(async (tx) => {
          await tx.insertInto('experiments').values({ name: 'kysely-rolled-back', artifact_location: '/x', lifecycle_stage: 'active', creation_time: 1, last_update_time: 1 }).execute();
          kyselyInside();
          await held;
          throw new Error('kysely transaction refused');
        })
        .catch((e: Error) => e.message);
      await inside;
      let programDone = false;
      const program = runTransaction(store.db, store.caps, function* () {
        return yield* insertExperiment('program-after-kysely');
      }).then((id) => {
        programDone = true;
        return id;
      });
      // The program cannot run while the Kysely transaction is open on the connection.
      await new Promise((r) => setTimeout(r, 20));
      expect(programDone).toBe(false);
      release();
      expect(await kyselyTx).toBe('kysely transaction refused');
      const id = await program;
      const rows = await store.db.selectFrom('experiments').select(['experiment_id', 'name']).where('name', 'in', ['kysely-rolled-back', 'program-after-kysely']).execute();
      // Had the program run inside the Kysely transaction, its row would have been rolled back too.
      expect(rows.map((r) => [Number(r.experiment_id), r.name])).toEqual([[id, 'program-after-kysely']]);
    } finally {
      await store.close();
    }
  });
});
