import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its warnings and errors). */
  stderr(): string;
}

/**
 * Starts a real `modelyard server` process from its TypeScript sources on a free loopback port;
 * resolves once it prints where it listens. Tests that need a process of their own (to kill it,
 * or to run two on one store) use this rather than the in-process `startTestServer`.
 */
export function startServerProcess(storeUri: string, dataDir: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(ROOT, 'packages/server/src/main.ts'),
      'server',
      '--host', '127.0.0.1',
      '--port', '0',
      '--backend-store-uri', storeUri,
      '--data-dir', dataDir,
      '--log-level', 'warn',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`server exited before listening (${String(code ?? signal)})`));
    const timer = setTimeout(() => fail(new Error('server did not report its address within 90s')), 90_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`));
    };
    const onStdout = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        // Keep draining stdout so a chatty process never blocks on a full pipe.
        child.stdout!.removeListener('data', onStdout);
        child.stdout!.resume();
        resolvePromise({ url: m[1]!, child, stderr: () => err });
      }
    };
    child.stdout!.on('data', onStdout);
    child.once('exit', onExit);
  });
}

/** SIGKILL: no shutdown hook runs, as in a crash or an OOM kill. Resolves once the process is gone. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

/** SIGTERM, the way a service manager stops the server; resolves once it has exited. */
export function stopGracefully(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** SQLite's `integrity_check` of a store file a killed process left: `['ok']` when it is sound. */
export function sqliteIntegrityCheck(path: string): string[] {
  const db = new SqliteDatabase(path);
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}
