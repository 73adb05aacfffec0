import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { DEBIAN_PYTHON, hasMlflow, hasSklearn, trainSklearnModels } from '../../packages/server/test/serving/python-model-fixtures.js';
import { fmt, report } from '../lib/stats.js';
import { load, startServerProcess } from './serving-bench.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, 'examples/diabetes-classification/data/pima_diabetes.csv');
const TREES = 100;
const SECONDS = 5;

/** Per-call time of the model's own predict on one row in one Python process: what any Python server pays per request at least. */
function inProcessSingleRowMs(modelDir: string): number {
  const script = [
    'import pickle, sys, time, pandas as pd',
    'm = pickle.load(open(sys.argv[1], "rb"))',
    'row = pd.read_csv(sys.argv[2]).drop(columns=["Outcome"]).head(1)',
    'for _ in range(20): m.predict(row)',
    't = time.perf_counter()',
    'for _ in range(200): m.predict(row)',
    'print((time.perf_counter() - t) / 200 * 1000)',
  ].join('\n');
  return Number(execFileSync(DEBIAN_PYTHON, ['-c', script, join(modelDir, 'model.pkl'), DATA]).toString().trim());
}

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** MLflow's own scoring server on the same model (`mlflow models serve --env-manager local`), where mlflow is importable. */
async function startMlflowServer(modelDir: string, workers: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(DEBIAN_PYTHON, ['-m', 'mlflow', 'models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-w', String(workers)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('mlflow models serve did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `npm run bench -- serving` (Python part): a 100-tree scikit-learn random forest saved as MLflow's
 * sklearn flavor, served single-row by `modelyard serve`'s scoring server with its pool of Python
 * workers (one per core), at 1 and 16 connections; beside MLflow's scoring server on the same model
 * when mlflow is importable (Debian does not package it).
 */
export async function benchPythonServing(): Promise<void> {
  if (!hasSklearn()) {
    console.log(`\nserving — python_function: skipped, ${DEBIAN_PYTHON} cannot import sklearn and pandas (apt-get install python3-sklearn python3-pandas)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-bench-python-serving-'));
  const workers = availableParallelism();
  try {
    const modelDir = trainSklearnModels(dir, [{ name: 'forest', kind: 'forest', trees: TREES, seed: 7 }]).forest!.dir;
    const rows = readFileSync(DATA, 'utf8').trim().split('\n');
    const header = rows[0]!.split(',');
    const record = Object.fromEntries(header.filter((h) => h !== 'Outcome').map((h) => [h, Number(rows[1]!.split(',')[header.indexOf(h)])]));
    const single = JSON.stringify({ dataframe_records: [record] });
    const floorMs = inProcessSingleRowMs(modelDir);

    const server = await startServerProcess(modelDir, { python: { python: DEBIAN_PYTHON, workers } });
    const url = `${server.scoring}/invocations`;
    const modelyard: Record<number, Awaited<ReturnType<typeof load>>> = {};
    try {
      await load({ url, body: single, seconds: 2, connections: 16 });
      for (const connections of [1, 16]) {
        const rounds = [await load({ url, body: single, seconds: SECONDS, connections }), await load({ url, body: single, seconds: SECONDS, connections })];
        modelyard[connections] = rounds.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
      }
    } finally {
      await server.stop();
    }

    let mlflow: Record<number, Awaited<ReturnType<typeof load>>> | undefined;
    if (hasMlflow()) {
      const m = await startMlflowServer(modelDir, workers);
      try {
        await load({ url: `${m.url}/invocations`, body: single, seconds: 2, connections: 16 });
        mlflow = {};
        for (const connections of [1, 16]) mlflow[connections] = await load({ url: `${m.url}/invocations`, body: single, seconds: SECONDS, connections });
      } finally {
        await m.stop();
      }
    }

    console.log(`\nserving — python_function: scikit-learn random forest (${TREES} trees) on pima, ${workers} Python workers, single-row requests, best of 2 × ${SECONDS} s`);
    const lines: Array<{ figure: string; value: string; target?: string }> = [
      { figure: 'model.predict of one row in one Python process, ms', value: fmt(floorMs, 2), target: 'reference' },
      { figure: '  one process answering one row at a time, req/s', value: fmt(1000 / floorMs) },
    ];
    for (const c of [1, 16]) {
      const r = modelyard[c]!;
      lines.push(
        { figure: `modelyard, ${c} connection${c > 1 ? 's' : ''}: req/s`, value: fmt(r.perSecond), ...(mlflow ? { target: `≥ 2× MLflow (${fmt(2 * mlflow[c]!.perSecond)})` } : {}) },
        { figure: `  p50 / p99, ms`, value: `${fmt(r.p50Ms, 1)} / ${fmt(r.p99Ms, 1)}`, ...(mlflow ? { target: `p99 ≤ MLflow's (${fmt(mlflow[c]!.p99Ms, 1)})` } : {}) },
        { figure: `  errors / non-2xx`, value: `${r.errors} / ${r.non2xx}` },
      );
      if (mlflow) lines.push({ figure: `mlflow models serve, ${c} connection${c > 1 ? 's' : ''}: req/s, p99 ms`, value: `${fmt(mlflow[c]!.perSecond)}, ${fmt(mlflow[c]!.p99Ms, 1)}` });
    }
    report(lines);
    if (!mlflow) console.log(`  MLflow's scoring server: skipped, mlflow is not importable by ${DEBIAN_PYTHON} (Debian does not package it)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
