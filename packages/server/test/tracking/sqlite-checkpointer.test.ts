import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import type { Db } from '../../src/db/connect.js';
import { COMMITTER_CHECKPOINT_PAGES } from '../../src/db/sqlite-checkpointer.js';
import { runStatement } from '../../src/db/sql-program.js';

const dirs: string[] = [];
const open: Db[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(checkpointInBackground: boolean): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-checkpoint-'));
  dirs.push(dir);
  const path = join(dir, 'store.db');
  const db = connect({ dialect: 'sqlite', path }, { checkpointInBackground });
  open.push(db);
  return { db, path };
}

/** ~1 MB in 64 commits of 16 KB each: far below the committer's own checkpoint bound. */
async function writeAMegabyte(db: Db): Promise<void> {
  if (db.caps.dialect !== 'sqlite') throw new Error('sqlite only');
  await runStatement(db.db, db.caps, 'create table blobs (id integer primary key, body blob not null)', []);
  for (let i = 0; i < 64; i++) await runStatement(db.db, db.caps, 'insert into blobs (body) values (?)', [Buffer.alloc(16 * 1024, i)]);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SQLite checkpoints in the background', () => {
  it('copies committed pages into the database file while the connection stays open', async () => {
    const { db, path } = store(true);
    await writeAMegabyte(db);
    // The commits themselves never checkpoint below the bound, so only the worker can have
    // grown the database file past the megabyte.
    expect(1024 * 1024).toBeLessThan(COMMITTER_CHECKPOINT_PAGES * 4096);
    await until('the database file holds the written megabyte', () => statSync(path).size >= 1024 * 1024);
    // Another process's view: a fresh connection reads every row.
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('select count(*) as n, sum(length(body)) as bytes from blobs').get()).toEqual({ n: 64, bytes: 64 * 16 * 1024 });
    } finally {
      reader.close();
    }
  });

  it('without it, the same writes stay in the WAL until a commit reaches the bound', async () => {
    const { db, path } = store(false);
    if (db.caps.dialect !== 'sqlite') throw new Error('sqlite only');
    db.caps.sqlite.execute(`pragma wal_autocheckpoint = ${COMMITTER_CHECKPOINT_PAGES}`, []);
    await writeAMegabyte(db);
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(path).size).toBeLessThan(1024 * 1024);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1024 * 1024);
  });

  it('stops with the store: the WAL is folded in and removed on close, every row kept', async () => {
    const { db, path } = store(true);
    await writeAMegabyte(db);
    await db.close();
    open.splice(open.indexOf(db), 1);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('select count(*) as n from blobs').get()).toEqual({ n: 64 });
    } finally {
      reader.close();
    }
  });

  it('lets a process with nothing else pending finish closing the store (and go on to report its error)', () => {
    // A server failing at start closes the store, then prints its error and exits 1. Closing
    // awaits the checkpoint thread; an unref'd thread let Node end such a process inside that
    // await, with exit code 0 and the error never printed.
    const dir = mkdtempSync(join(tmpdir(), 'modelyard-checkpoint-exit-'));
    dirs.push(dir);
    const connectModule = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/db/connect.ts');
    const script = `
      import { connect } from ${JSON.stringify(connectModule)};
      const db = connect({ dialect: 'sqlite', path: ${JSON.stringify(join(dir, 'store.db'))} }, { checkpointInBackground: true });
      await db.close();
      process.stderr.write('closed; now failing');
      process.exitCode = 1;
    `;
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toContain('closed; now failing');
    expect(r.status).toBe(1);
  });
});
