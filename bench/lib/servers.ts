import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, findPostgresBinDir, startPostgresCluster } from '../../packages/server/test/helpers/postgres.js';
import type { PostgresCluster } from '../../packages/server/test/helpers/postgres.js';
import type { RequestTiming } from './request-timing.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BenchServer {
  store: 'sqlite' | 'postgres';
  url: string;
  /**
   * Time spent inside the server per request path since the last call (request-timing.ts): call
   * once before a round to start it, once after to read it.
   */
  requestTimings(): Promise<Record<string, RequestTiming>>;
  close(): Promise<void>;
}

let cluster: PostgresCluster | undefined;

/**
 * A real `modelyard server` in its own process (as users run it, so the benchmark client does not
 * share the server's event loop) on a fresh store: a SQLite file, or a database on a throwaway
 * PostgreSQL cluster.
 */
export async function startBenchServer(store: 'sqlite' | 'postgres'): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-'));
  let uri = `sqlite:///${join(dataDir, 'modelyard.db')}`;
  let drop = async () => {};
  if (store === 'postgres') {
    if (!cluster) {
      const bin = findPostgresBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found (apt-get install postgresql)');
      cluster = await startPostgresCluster(bin);
    }
    const db = await createTestDatabase(cluster.adminUrl, 'bench');
    uri = db.uri;
    drop = db.drop;
  }
  const timingFile = join(dataDir, 'request-timing.jsonl');
  const child = spawnBenchProcess('packages/server/src/main.ts', ['server', '--port', '0', '--data-dir', dataDir, '--backend-store-uri', uri, '--log-level', 'warn'], timingFile);
  const url = await listeningUrl(child);
  return {
    store,
    url,
    requestTimings: requestTimingsOf(child, timingFile),
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The tracking ceiling (bench/tracking/bare-store-server.ts) in its own process on a fresh SQLite
 * file: the server's run service and store behind bare node:http.
 */
export async function startBareStoreServer(): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-bare-'));
  const timingFile = join(dataDir, 'request-timing.jsonl');
  const child = spawnBenchProcess('bench/tracking/bare-store-server.ts', [dataDir], timingFile);
  const { url } = await firstJsonLine<{ url: string }>(child, 'bare store server');
  return {
    store: 'sqlite',
    url,
    requestTimings: requestTimingsOf(child, timingFile),
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A TypeScript entry point (relative to the repository) in its own Node process, run from
 * sources: `--conditions=source` takes workspace packages from their sources, as in tests (a
 * stale dist/ would otherwise be benchmarked). Its stdout is piped for the caller to read.
 */
export function spawnBenchProcess(script: string, args: string[], requestTimingFile?: string): ChildProcess {
  // With a timing file, bench/lib/request-timing.ts is preloaded to time requests inside the process.
  const preload = requestTimingFile ? ['--import', join(ROOT, 'bench/lib/request-timing.ts')] : [];
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...preload, join(ROOT, script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...(requestTimingFile ? { BENCH_REQUEST_TIMING_FILE: requestTimingFile } : {}) },
  });
}

/** Asks the preloaded timer for its figures (SIGUSR2) and waits for the line it appends. */
function requestTimingsOf(child: ChildProcess, file: string): () => Promise<Record<string, RequestTiming>> {
  let asked = 0;
  return async () => {
    const seq = ++asked;
    child.kill('SIGUSR2');
    for (let waited = 0; waited < 5000; waited += 5) {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      const last = lines.length > 0 && lines[lines.length - 1] ? (JSON.parse(lines[lines.length - 1]!) as { seq: number; byPath: Record<string, RequestTiming> }) : undefined;
      if (last && last.seq >= seq) return last.byPath;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`the benchmarked process did not report its request timings within 5 s (${file})`);
  };
}

/** The first line `child` prints that is a JSON object; rejects, with what it printed, if it exits first. */
export function firstJsonLine<T>(child: ChildProcess, name: string): Promise<T> {
  return new Promise<T>((resolveLine, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveLine(JSON.parse(line) as T);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready:\n${out}`)));
  });
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`modelyard server exited with ${code} before listening:\n${out}`)));
  });
}

export function stopBenchClusters(): void {
  cluster?.stop();
  cluster = undefined;
}

/** PostgreSQL is benchmarked when its binaries exist; a missing install is reported, not fatal. */
export function postgresAvailable(): boolean {
  return findPostgresBinDir() !== undefined;
}
