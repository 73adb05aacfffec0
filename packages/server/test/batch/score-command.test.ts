import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Tracker } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { PIMA_CSV } from '../helpers/datasets.js';
import { FEATURES, duck, expectedScores, logAndRegister, pimaCsvRows, pimaFrame, trainForest, writeCsv } from './batch-fixtures.js';

const ROOT = join(import.meta.dirname, '../../../..');
const MODEL = 'cli-forest';

interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

/** `modelyard score …` as a real process, as an operator or a scheduler runs it. */
function score(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), 'score', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Waits for `check`; fails at once, saying so, if the job `watched` ends first (the moment to act on it has passed). */
async function until(what: string, check: () => boolean, watched: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (watched.child.exitCode !== null) throw new Error(`the job exited (${watched.child.exitCode}) before ${what}:\n${watched.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const workDirs = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.scores.parquet.modelyard-'));
/**
 * Output is being written in a work folder of `dir`: a part file, or the file a single statement
 * writes. Its size is not waited for: DuckDB may hold a Parquet file's row groups back until the
 * end (to keep input order), so "more than 0 bytes" can come only just before the job publishes.
 */
const writingOutput = (dir: string) =>
  existsSync(dir) && workDirs(dir).some((w) => readdirSync(join(dir, w)).some((f) => f.startsWith('part-') || f.startsWith('output.')));

describe('modelyard score', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  let bigCsv: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'modelyard-score-cli-'));
    // TMPDIR keeps the child's downloaded models inside this test's folder.
    env = { MLFLOW_TRACKING_URI: server.url, TMPDIR: dir };
    const version = await logAndRegister(new Tracker({ trackingUri: server.url, env: {} }), trainForest(), MODEL);
    await new Client({ trackingUri: server.url, env: {} }).registry.setAlias(MODEL, 'champion', version);
    const rows = pimaCsvRows(pimaFrame());
    const small = join(dir, 'pima.csv');
    writeCsv(small, rows);
    bigCsv = join(dir, 'big.csv');
    await duck(`COPY (SELECT p.id + 1000 * r.range AS id, p.* EXCLUDE (id) FROM read_csv('${small}') p, range(260) r ORDER BY r.range, p.id) TO '${bigCsv}'`);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores a file with a registered model and records an MLflow run', async () => {
    const out = join(dir, 'cli-out');
    const run = score(['-m', `models:/${MODEL}@champion`, '-i', join(dir, 'pima.csv'), '-o', join(out, 'scores.csv'), '--experiment', 'cli-scoring'], env);
    children.push(run.child);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(new RegExp(`^Scored 768 of 768 rows with ${MODEL} v1 in [\\d.]+ s \\(\\d+ rows/s\\) → ${join(out, 'scores.csv')}\\n`));
    const runId = /MLflow run (\w+)/.exec(run.stdout())![1]!;
    const logged = await new Client({ trackingUri: server.url, env: {} }).tracking.getRun(runId);
    expect(logged.info.status).toBe('FINISHED');
    expect(logged.data.params).toMatchObject({ model_uri: `models:/${MODEL}@champion`, model_version: '1', rows: '768' });
    expect(readdirSync(out)).toEqual(['scores.csv']);
  });

  it('scores the training CSV with its label column still in it: the label is kept in the output and ignored by the model', async () => {
    const out = join(dir, 'labelled');
    const output = join(out, 'scores.csv');
    const run = score(['-m', `models:/${MODEL}@champion`, '-i', PIMA_CSV, '-o', output, '--experiment', 'cli-scoring'], env);
    children.push(run.child);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/^Scored 768 of 768 rows with cli-forest v1 /);
    const rows = await duck<Record<string, unknown>>(`SELECT * FROM read_csv('${output}')`);
    expect(Object.keys(rows[0]!)).toEqual([...FEATURES, 'Outcome', 'prediction', 'probability_0', 'probability_1', 'model_name', 'model_version', 'scored_at']);
    const frame = pimaFrame();
    expect(rows.map((r) => Number(r.Outcome))).toEqual(Array.from(frame.numbers('Outcome')));
    // The same rows without the label score the same: the model never saw it.
    const expected = expectedScores(trainForest(), frame);
    rows.forEach((r, i) => expect(Number(r.prediction)).toBe(expected[i]!.prediction));
    expect(readdirSync(out)).toEqual(['scores.csv']);
  });

  it('a killed job leaves no partial output under the final name; the next run cleans up and completes', async () => {
    const out = join(dir, 'killed');
    const output = join(out, 'scores.parquet');
    const args = ['-m', `models:/${MODEL}/1`, '-i', bigCsv, '-o', output, '--batch-size', '2048', '--segment-rows', '8192', '--no-tracking'];
    const killed = score(args, env);
    children.push(killed.child);
    // Kill it hard once output is on disk in its work folder: mid-job.
    await until('output being written', () => writingOutput(out), killed);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(output)).toBe(false);
    expect(workDirs(out)).toHaveLength(1);

    const again = score(args, env);
    children.push(again.child);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(readdirSync(out)).toEqual(['scores.parquet']);
    const [count] = await duck<{ n: bigint; ids: bigint }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM '${output}'`);
    expect(Number(count!.n)).toBe(768 * 260);
    expect(Number(count!.ids)).toBe(768 * 260);
  });

  it('SIGTERM cancels: no output, no work folder, a clear message', async () => {
    const out = join(dir, 'terminated');
    const output = join(out, 'scores.parquet');
    const run = score(['-m', `models:/${MODEL}/1`, '-i', bigCsv, '-o', output, '--batch-size', '2048', '--segment-rows', '8192', '--no-tracking'], env);
    children.push(run.child);
    // As soon as the job has its work folder: loading, reading or writing, it must stop cleanly.
    await until('the work folder', () => existsSync(out) && workDirs(out).length > 0, run);
    run.child.kill('SIGTERM');
    const code = await run.exited;
    expect(code, `stdout: ${run.stdout()}\nstderr: ${run.stderr()}`).toBe(1);
    expect(run.stderr()).toContain('modelyard: scoring cancelled');
    expect(readdirSync(out)).toEqual([]);
  });
});
