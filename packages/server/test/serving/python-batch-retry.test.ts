import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@modelyard/learn';
import { scoreBatch } from '../../src/batch/score-batch.js';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { PythonBatchKilledWorkersError } from '../../src/runtime/python/python-worker-pool.js';
import { affine, writeAffineModel } from './python-custom-model-fixtures.js';
import { DEBIAN_PYTHON, hasSklearn } from './python-model-fixtures.js';

const PARAMS = { scale: 3, offset: 1 };

/**
 * Batch scoring through the Python pool when workers die: a worker SIGKILLed mid-batch has its
 * batch rerun on the replacement and the job's output is complete and right; a batch that kills
 * every worker it runs on fails after the bounded reruns, naming its rows as the input numbers them.
 */
describe.skipIf(!hasSklearn() && process.env.CI !== 'true')('a Python worker dying during batch scoring', () => {
  let dir: string;
  let model: string;
  const runtimes: ModelRuntime[] = [];
  const runtime = () => {
    const r = new ModelRuntime({ source: new LocalFolderModelSource(), python: { python: DEBIAN_PYTHON, workers: 2, envCacheDir: join(dir, 'envs') } });
    runtimes.push(r);
    return r;
  };
  /** x = row + 0.25 (never the poison 666), group alternating a/b; `cells` overrides x by 1-based row. */
  const xOf = (row: number) => row + 0.25;
  const writeInput = (path: string, rows: number, cells: Record<number, string> = {}) => {
    const lines = ['id,x,group'];
    for (let i = 1; i <= rows; i++) lines.push(`${i},${cells[i] ?? xOf(i)},${i % 2 ? 'a' : 'b'}`);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-batch-retry-'));
    model = writeAffineModel(join(dir, 'affine'), PARAMS);
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.clear()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reruns the batch of a worker killed mid-batch on its replacement: every row scored once, right', async () => {
    const input = writeInput(join(dir, 'input.csv'), 5000);
    const output = join(dir, 'scores.csv');
    writeFileSync(join(model, 'hang-once'), '');
    const r = runtime();
    const scoring = scoreBatch({ modelUri: model, inputPath: input, outputPath: output, runtime: r, batchSize: 1000 });
    // The first batch's worker takes the hang-once file and waits; kill it as the OOM killer would.
    const pidFile = join(model, 'hung.pid');
    const deadline = Date.now() + 60_000;
    while (!existsSync(pidFile)) {
      if (Date.now() > deadline) throw new Error('no worker took the hang-once file');
      await new Promise((res) => setTimeout(res, 20));
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const result = await scoring;
    expect(result).toMatchObject({ rows: 5000, scoredRows: 5000, rejectedRows: 0 });
    const scores = parseCsv(readFileSync(output, 'utf8'));
    expect(Array.from(scores.numbers('id'))).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(Array.from(scores.numbers('prediction'))).toEqual(Array.from({ length: 5000 }, (_, i) => affine(PARAMS, xOf(i + 1), (i + 1) % 2 ? 'a' : 'b')));
    // The killed worker was replaced: the pool is whole again, without it.
    // The batch may have been rerun on the other worker, before the replacement had loaded.
    const held = await r.load(model);
    await waitForPids(held.python!.pids, 2);
    expect(held.python!.pids()).not.toContain(pid);
    await held.close();
  }, 120_000);

  it('fails a batch that kills its worker on every run, after the bounded reruns, naming its input rows', async () => {
    // Row 3 is rejected (not a number), row 7 kills any worker that predicts it.
    const input = writeInput(join(dir, 'poison.csv'), 40, { 3: 'abc', 7: '666' });
    const output = join(dir, 'poison-scores.csv');
    const r = runtime();
    const failure = await scoreBatch({ modelUri: model, inputPath: input, outputPath: output, runtime: r, maxRejectRatio: 0.5 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PythonBatchKilledWorkersError);
    const message = (failure as Error).message;
    // The batch fed the model rows 1–2 and 4–40 (row 3 was rejected before Python saw it).
    expect(message).toMatch(/^input rows 1–2, 4–40 killed the Python worker running them 3 times \(the last: pid \d+ exited \(signal SIGKILL\).*\); they were not run again\. One of these rows most likely crashes the model.s code/s);
    expect(existsSync(output)).toBe(false);
    // The pool replaced every worker the batch killed and still answers other rows.
    const held = await r.load(model);
    try {
      await waitForPids(held.python!.pids, 2);
      expect((await held.predict([{ x: 2, group: 'b' }])).predictions).toEqual([affine(PARAMS, 2, 'b')]);
    } finally {
      await held.close();
    }
  }, 120_000);
});

async function waitForPids(pids: () => number[], count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (pids().length < count && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(pids()).toHaveLength(count);
}
