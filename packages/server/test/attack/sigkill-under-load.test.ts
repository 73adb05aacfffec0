import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, sqliteIntegrityCheck, startServerProcess, stopGracefully } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { SHARED_MODEL, WriteLedger, missingWrites, runWriter } from './mixed-writes.js';

/**
 * "Nothing is lost", for every kind of write: clients create runs, log metrics and batches, set
 * tags, create registered models and versions through a real server process, which is SIGKILLed
 * in the middle of it. After a restart on the same SQLite file every acknowledged write is there.
 * (test/crash.test.ts does the same for a stream of log-batch calls, and checks atomicity.)
 */

const WRITERS = 4;
const ROUNDS = 2;

describe('SIGKILL under a mixed write load (real server process, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-sigkill-'));
  const dbFile = join(dir, 'store', 'modelyard.db');
  const storeUri = `sqlite:///${dbFile}`;
  let last: ServerProcess | undefined;

  afterAll(async () => {
    if (last) await killHard(last.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across kills', { timeout: 240_000 }, async () => {
    let server = await startServerProcess(storeUri, dir);
    last = server;
    const setup = new WriteLedger();
    const { experiment_id } = await setup.post(server.url, '/experiments/create', { name: 'sigkill' });
    await setup.post(server.url, '/registered-models/create', { name: SHARED_MODEL });
    expect(setup.failures).toEqual([]);

    const ledger = new WriteLedger();
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        server = await startServerProcess(storeUri, dir);
        last = server;
      }
      const url = server.url;
      const before = ledger.acknowledged.length;
      const failuresBefore = ledger.failures.length;
      let killed = false;
      const writers = Array.from({ length: WRITERS }, (_, w) =>
        runWriter(ledger, { serverFor: () => url, experimentId: experiment_id, writer: round * WRITERS + w, iterations: 1_000, stop: () => killed }),
      );
      let stopped = false;
      void Promise.all(writers).then(() => (stopped = true));
      // A different moment each round, so the kill lands at different points of a write.
      const killAfter = before + 50 + round * 23;
      while (ledger.acknowledged.length < killAfter && !stopped) await new Promise((r) => setTimeout(r, 2));
      // Requests cut off by the kill fail, of course; none may fail before it.
      const failuresBeforeKill = ledger.failures.slice(failuresBefore);
      await killHard(server.child);
      killed = true;
      await Promise.all(writers);
      expect(failuresBeforeKill).toEqual([]);
      expect(sqliteIntegrityCheck(dbFile), `integrity_check after kill ${round + 1}`).toEqual(['ok']);
    }

    server = await startServerProcess(storeUri, dir);
    last = server;
    const acknowledged = ledger.acknowledged.length;
    const missing = await missingWrites(ledger, () => server.url);
    console.log(`sigkill: ${acknowledged} acknowledged, ${acknowledged - missing.length} stored`);
    expect(acknowledged).toBeGreaterThanOrEqual(50 * ROUNDS);
    expect(missing).toEqual([]);
    await stopGracefully(server.child);
    last = undefined;
    expect(sqliteIntegrityCheck(dbFile)).toEqual(['ok']);
  });
});
