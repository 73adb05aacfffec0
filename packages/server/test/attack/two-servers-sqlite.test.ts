import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, sqliteIntegrityCheck, startServerProcess, stopGracefully } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { SHARED_MODEL, WriteLedger, missingWrites, runWriter } from './mixed-writes.js';

/**
 * Two `modelyard server` processes on one SQLite file, as someone running a second server for
 * more throughput (or a blue/green restart) would. SQLite lets one process write at a time;
 * the other must wait for the lock, not fail: no request may answer anything but 200, and every
 * acknowledged write must be readable through either server.
 */

const WRITERS = 6;
const ITERATIONS = 25;

describe('two server processes on one SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-two-servers-'));
  // A fresh file per test.
  let dbFile = '';
  let storeUri = '';
  const useStore = (name: string) => {
    dbFile = join(dir, name, 'modelyard.db');
    storeUri = `sqlite:///${dbFile}`;
  };
  const started: ServerProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((s) => killHard(s.child)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves concurrent writes through both with no error and loses none', { timeout: 240_000 }, async () => {
    useStore('concurrent');
    // Started together on a fresh file: both migrate it at once.
    const servers = await Promise.all([startServerProcess(storeUri, dir), startServerProcess(storeUri, dir)]);
    started.push(...servers);
    const serverFor = (n: number) => servers[n % 2]!.url;

    const setup = new WriteLedger();
    const { experiment_id } = await setup.post(servers[0]!.url, '/experiments/create', { name: 'two-servers' });
    await setup.post(servers[1]!.url, '/registered-models/create', { name: SHARED_MODEL });
    expect(setup.failures).toEqual([]);

    const ledger = new WriteLedger();
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: WRITERS }, (_, writer) => runWriter(ledger, { serverFor, experimentId: experiment_id, writer, iterations: ITERATIONS })),
    );
    const failed = ledger.failures.length;
    console.log(`two servers: ${ledger.requests} writes in ${Date.now() - t0} ms, ${failed} failed (${((100 * failed) / ledger.requests).toFixed(1)} %)`);
    expect(ledger.failures.slice(0, 5)).toEqual([]);
    expect(ledger.acknowledged.length).toBe(WRITERS * ITERATIONS * 4 + WRITERS * Math.ceil(ITERATIONS / 3) * 2);

    expect(await missingWrites(ledger, serverFor)).toEqual([]);
    for (const s of servers) expect(s.stderr()).not.toMatch(/SQLITE_BUSY|unhandled error/);

    await Promise.all(servers.map((s) => stopGracefully(s.child)));
    expect(sqliteIntegrityCheck(dbFile)).toEqual(['ok']);
  });

  it('keeps serving through one server when the other is SIGKILLed mid-write', { timeout: 240_000 }, async () => {
    useStore('kill');
    const [survivor, victim] = await Promise.all([startServerProcess(storeUri, dir), startServerProcess(storeUri, dir)]);
    started.push(survivor!, victim!);
    const setup = new WriteLedger();
    const { experiment_id } = await setup.post(survivor!.url, '/experiments/create', { name: 'two-servers-kill' });
    await setup.post(victim!.url, '/registered-models/create', { name: SHARED_MODEL });
    expect(setup.failures).toEqual([]);

    // The victim's writers run until it dies; the survivor's must not notice.
    const victimLedger = new WriteLedger();
    const survivorLedger = new WriteLedger();
    let killed = false;
    const victimWriters = Array.from({ length: 3 }, (_, writer) =>
      runWriter(victimLedger, { serverFor: () => victim!.url, experimentId: experiment_id, writer, iterations: 1_000, stop: () => killed }),
    );
    const survivorWriters = Array.from({ length: 3 }, (_, writer) =>
      runWriter(survivorLedger, { serverFor: () => survivor!.url, experimentId: experiment_id, writer: writer + 3, iterations: 12 }),
    );
    let victimStopped = false;
    void Promise.all(victimWriters).then(() => (victimStopped = true));
    const kill = (async () => {
      while (victimLedger.acknowledged.length < 60 && !victimStopped) await new Promise((r) => setTimeout(r, 5));
      await killHard(victim!.child);
      killed = true;
    })();
    await Promise.all([...survivorWriters, kill]);
    await Promise.all(victimWriters);

    expect(survivorLedger.failures).toEqual([]);
    expect(victimLedger.acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(await missingWrites(survivorLedger, () => survivor!.url)).toEqual([]);
    expect(await missingWrites(victimLedger, () => survivor!.url)).toEqual([]);
    await stopGracefully(survivor!.child);
    expect(sqliteIntegrityCheck(dbFile)).toEqual(['ok']);
  });
});
