import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemporarilyUnavailableError } from '../errors.js';
import { connect } from './connect.js';
import type { Db } from './connect.js';
import { migrateToLatest } from './migrate.js';
import { query, runRead, runTransaction } from './sql-program.js';

/**
 * The store's connection against a second connection to the same file, standing in for another
 * process: better-sqlite3 is synchronous, so "the other process" here holds its lock while the
 * store's connection tries, and the store's short busy timeout runs out.
 */
describe('SQLite transactions beside another connection to the file', () => {
  let dir: string;
  let store: Db;
  let other: SqliteDatabase.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-sqlite-dialect-'));
    const path = join(dir, 'store.db');
    store = connect({ dialect: 'sqlite', path });
    await migrateToLatest(store.db, store.caps);
    // Waiting the default 10 s would only slow the test: nothing releases the lock meanwhile.
    await sql`pragma busy_timeout = 50`.execute(store.db);
    // No waiting on this side either: the store's connection is on the same thread.
    other = new SqliteDatabase(path, { timeout: 0 });
  });

  afterEach(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the write lock as a write transaction begins, before any statement', async () => {
    await store.db.transaction().execute(async () => {
      expect(() => other.exec('begin immediate')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    });
    await runTransaction(store.db, store.caps, function* () {
      expect(() => other.exec('begin immediate')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      yield* query('select 1', []);
    });
  });

  it('leaves read transactions deferred: they take no write lock', async () => {
    await store.db
      .transaction()
      .setAccessMode('read only')
      .execute(async (tx) => {
        await tx.selectFrom('experiments').select('experiment_id').execute();
        other.exec('begin immediate');
        other.exec('rollback');
      });
    await runRead(store.db, store.caps, function* () {
      yield* query('select count(*) from experiments', []);
      other.exec('begin immediate');
      other.exec('rollback');
    });
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE when the lock stays taken past the busy timeout', async () => {
    other.exec('begin immediate');
    const write = runTransaction(store.db, store.caps, function* () {
      yield* query('select count(*) from experiments', []);
      yield* query(`insert into experiment_tags (experiment_id, key, value) values (0, 'k', 'v')`, []);
    });
    await expect(write).rejects.toThrow(TemporarilyUnavailableError);
    await expect(write).rejects.toMatchObject({ errorCode: 'TEMPORARILY_UNAVAILABLE', httpStatus: 503 });
    await expect(store.db.transaction().execute(async (tx) => tx.selectFrom('experiments').selectAll().execute())).rejects.toThrow(
      TemporarilyUnavailableError,
    );
    await expect(store.db.insertInto('experiment_tags').values({ experiment_id: 0, key: 'k', value: 'v' }).execute()).rejects.toThrow(
      TemporarilyUnavailableError,
    );
    // Reads go on: WAL readers never wait for the writer.
    const rows = await runRead(store.db, store.caps, function* () {
      return yield* query<{ n: number }>('select count(*) as n from experiment_tags', []);
    });
    expect(rows).toEqual([{ n: 0 }]);
    // Once the other writer is done, the same write goes through.
    other.exec('rollback');
    await store.db.insertInto('experiment_tags').values({ experiment_id: 0, key: 'k', value: 'v' }).execute();
  });
});
