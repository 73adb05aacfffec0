import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, sqliteIntegrityCheck, startServerProcess } from './helpers/server-process.js';
import type { ServerProcess } from './helpers/server-process.js';

/**
 * "Nothing is lost": the real `modelyard server` process is SIGKILLed while clients stream
 * log-batch calls. Every batch the server acknowledged (HTTP 200) must be there after a restart on
 * the same SQLite file, no batch may be half-applied, and the file must pass integrity_check.
 */

const METRIC_KEYS = ['loss', 'accuracy', 'lr'];
const ROUNDS = 3;
const WRITERS = 4;

async function call<T>(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const full = `${url}/api/2.0/mlflow${path}`;
  const res = await fetch(full, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

const valueOf = (batch: number, keyIndex: number) => batch * 1.5 + keyIndex;
const timestampOf = (batch: number) => 1_700_000_000_000 + batch;

function batchBody(runId: string, batch: number) {
  return {
    run_id: runId,
    metrics: METRIC_KEYS.map((key, i) => ({ key, value: valueOf(batch, i), timestamp: timestampOf(batch), step: batch })),
    params: [{ key: `batch_${batch}`, value: String(batch) }],
  };
}

/**
 * Streams log-batch calls from several concurrent writers until the server dies. Returns the
 * batch numbers that got HTTP 200. Requests cut off by the kill are not acknowledged.
 */
async function streamUntilKilled(server: ServerProcess, runId: string, firstBatch: number, killAfterAcks: number) {
  const acked: number[] = [];
  const attempted: number[] = [];
  let next = firstBatch;
  let killing: Promise<void> | undefined;
  const writer = async () => {
    for (;;) {
      if (killing) return;
      const batch = next++;
      attempted.push(batch);
      try {
        const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batchBody(runId, batch)),
        });
        await res.text();
        if (res.status === 200) acked.push(batch);
        else throw new Error(`log-batch ${batch} → ${res.status}`);
      } catch (e) {
        if (killing) return;
        throw e;
      }
      if (acked.length >= killAfterAcks && !killing) killing = killHard(server.child);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  await killing;
  return { acked, attempted, nextBatch: next };
}

interface HistoryPage {
  metrics?: Array<{ key: string; value: number; timestamp: number; step: number }>;
  next_page_token?: string;
}

async function metricHistory(url: string, runId: string, key: string) {
  const all: NonNullable<HistoryPage['metrics']> = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ run_id: runId, metric_key: key });
    if (token) q.set('page_token', token);
    const page = await call<HistoryPage>(url, 'GET', `/metrics/get-history?${q}`);
    all.push(...(page.metrics ?? []));
    token = page.next_page_token;
  } while (token);
  return all;
}

describe('crash safety of the SQLite store (real server process, SIGKILL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-crash-'));
  const dbFile = join(dir, 'store', 'modelyard.db');
  const storeUri = `sqlite:///${dbFile}`;
  let last: ServerProcess | undefined;

  afterAll(async () => {
    if (last) await killHard(last.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged log-batch across repeated kills', { timeout: 180_000 }, async () => {
    let server = await startServerProcess(storeUri, dir);
    last = server;
    const { experiment_id } = await call<{ experiment_id: string }>(server.url, 'POST', '/experiments/create', {
      name: 'crash-test',
    });
    const { run } = await call<{ run: { info: { run_id: string } } }>(server.url, 'POST', '/runs/create', {
      experiment_id,
      start_time: timestampOf(0),
    });
    const runId = run.info.run_id;

    const acked = new Set<number>();
    const attempted = new Set<number>();
    let nextBatch = 1;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        server = await startServerProcess(storeUri, dir);
        last = server;
      }
      // Vary the moment of the kill so it lands at different points of a write.
      const result = await streamUntilKilled(server, runId, nextBatch, 40 + round * 17);
      result.acked.forEach((b) => acked.add(b));
      result.attempted.forEach((b) => attempted.add(b));
      nextBatch = result.nextBatch;
      expect(sqliteIntegrityCheck(dbFile), `integrity_check after kill ${round + 1}`).toEqual(['ok']);
    }
    expect(acked.size).toBeGreaterThanOrEqual(40 * ROUNDS);

    server = await startServerProcess(storeUri, dir);
    last = server;
    const histories = await Promise.all(METRIC_KEYS.map((key) => metricHistory(server.url, runId, key)));
    const stepsByKey = histories.map((h) => new Map(h.map((m) => [m.step, m])));
    for (const batch of acked) {
      METRIC_KEYS.forEach((key, i) => {
        const m = stepsByKey[i].get(batch);
        expect(m, `acknowledged batch ${batch}, metric ${key}`).toEqual({
          key,
          value: valueOf(batch, i),
          timestamp: timestampOf(batch),
          step: batch,
        });
      });
    }

    const { run: stored } = await call<{ run: { data: { params?: Array<{ key: string; value: string }> } } }>(
      server.url,
      'GET',
      `/runs/get?run_id=${runId}`,
    );
    const paramBatches = new Set((stored.data.params ?? []).map((p) => Number(p.key.replace('batch_', ''))));
    for (const batch of acked) expect(paramBatches.has(batch), `param of acknowledged batch ${batch}`).toBe(true);

    // A batch is one transaction: cut off or not, it is there whole or not at all.
    const present = new Set([...paramBatches, ...histories.flatMap((h) => h.map((m) => m.step))]);
    for (const batch of present) {
      expect(attempted.has(batch), `batch ${batch} was sent`).toBe(true);
      const parts = [paramBatches.has(batch), ...stepsByKey.map((s) => s.has(batch))];
      expect(parts, `batch ${batch} applied whole`).toEqual(parts.map(() => true));
    }

    await killHard(server.child);
    last = undefined;
    expect(sqliteIntegrityCheck(dbFile)).toEqual(['ok']);
  });
});
