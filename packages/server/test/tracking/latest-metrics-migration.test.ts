import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { connect } from '../../src/db/connect.js';
import type { Db } from '../../src/db/connect.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { runStatement } from '../../src/db/sql-program.js';
import { createTrackingStores } from '../../src/services/services.js';
import { ExperimentService } from '../../src/services/tracking/experiment-service.js';
import { RunService } from '../../src/services/tracking/run-service.js';
import { artifactLocationPolicyOf } from '../../src/artifacts/artifact-location-policy.js';

const dirs: string[] = [];
const open: Db[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function storeAt006(): Promise<{ db: Db; path: string; runs: RunService }> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-migration-'));
  dirs.push(dir);
  const path = join(dir, 'store.db');
  const db = connect({ dialect: 'sqlite', path });
  open.push(db);
  await migrateTo(db.db, db.caps, '006-telemetry');
  const config = loadConfig({ flags: { dataDir: dir, backendStoreUri: `sqlite:///${path}` }, env: {} });
  const deps = { stores: createTrackingStores(db.db, db.caps), config, now: Date.now };
  await new ExperimentService({ ...deps, locations: artifactLocationPolicyOf(config) }).ensureDefaultExperiment();
  return { db, path, runs: new RunService(deps) };
}

const rows = (db: Db, sql: string) => runStatement<Record<string, unknown>>(db.db, db.caps, sql, []);

describe('migration 007: latest_metrics without AUTOINCREMENT (SQLite)', () => {
  it('keeps every series and its id, its constraint and index, and its points', async () => {
    const { db, runs } = await storeAt006();
    const run = (await runs.create({ experimentId: '0', startTime: 0, tags: [] })).info.runId;
    for (const key of ['loss', 'acc', 'lr']) {
      for (let step = 0; step < 3; step++) await runs.logMetric(run, { key, value: step / 10, timestamp: 1000 + step, step });
    }
    const before = await rows(db, 'select * from latest_metrics order by series_id');
    expect((await rows(db, "select sql from sqlite_master where name = 'latest_metrics'"))[0]!.sql).toMatch(/autoincrement/i);

    expect((await migrateToLatest(db.db, db.caps)).applied).toEqual(['007-latest-metrics-rowid']);

    expect(await rows(db, 'select * from latest_metrics order by series_id')).toEqual(before);
    expect((await rows(db, "select sql from sqlite_master where name = 'latest_metrics'"))[0]!.sql).not.toMatch(/autoincrement/i);
    expect(await rows(db, "select name from sqlite_master where type = 'index' and tbl_name = 'latest_metrics' order by name")).toEqual([
      { name: 'latest_metrics_key_value' },
      { name: 'sqlite_autoindex_latest_metrics_1' },
    ]);
    expect(await rows(db, "select name from sqlite_sequence where name = 'latest_metrics'")).toEqual([]);
    expect(await rows(db, 'pragma foreign_key_check')).toEqual([]);
    // The points still hang off their series, and a new series takes the next id.
    const history = await runs.metricHistory(run, 'acc');
    expect(history.metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    await runs.logMetric(run, { key: 'new', value: 1, timestamp: 1, step: 0 });
    const newest = await rows(db, "select series_id from latest_metrics where key = 'new'");
    expect(newest[0]!.series_id).toBe(Math.max(...before.map((r) => Number(r.series_id))) + 1);
  });

  it('a log-metric commit then writes three WAL pages, not four', async () => {
    const { db, path, runs } = await storeAt006();
    const run = (await runs.create({ experimentId: '0', startTime: 0, tags: [] })).info.runId;
    const pagesPerLogMetric = async (step: number): Promise<number> => {
      await rows(db, 'pragma wal_checkpoint(TRUNCATE)');
      await runs.logMetric(run, { key: 'loss', value: Math.random(), timestamp: step, step });
      // A WAL is a 32-byte header, then frames of a 24-byte header and one 4,096-byte page.
      return (statSync(`${path}-wal`).size - 32) / (24 + 4096);
    };
    await runs.logMetric(run, { key: 'loss', value: 1, timestamp: 0, step: 0 });
    expect(await pagesPerLogMetric(1)).toBe(4);
    await migrateToLatest(db.db, db.caps);
    expect(await pagesPerLogMetric(2)).toBe(3);
  });
});
