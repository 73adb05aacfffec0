import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for one test run: `initdb` into a temp folder, `pg_ctl start` on a
 * free loopback port with trust auth and fsync off, `pg_ctl stop` + delete at the end. Started once
 * by the vitest global setup; workers get its admin URL through `inject` and make one database per
 * suite with `createTestDatabase`.
 */
export interface PostgresCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`: superuser, trust auth. */
  adminUrl: string;
  port: number;
  dataDir: string;
  stop(): void;
}

/** Where Debian puts the server binaries: /usr/lib/postgresql/<major>/bin; the newest major wins. */
export function findPostgresBinDir(root = '/usr/lib/postgresql'): string | undefined {
  const override = process.env.MODELYARD_PG_BIN_DIR;
  if (override) return existsSync(join(override, 'pg_ctl')) ? override : undefined;
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+(\.\d+)?$/.test(d) && existsSync(join(root, d, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], 'bin') : undefined;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface OsUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root, so as root we run its binaries as the `postgres` OS user. */
function postgresOsUser(): OsUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      'PostgreSQL cannot run as root and there is no `postgres` OS user; install Debian\'s postgresql package (it creates one)',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function runPg(binDir: string, asUser: OsUser | undefined, tool: string, args: string[]): SpawnSyncReturns<string> {
  const exe = join(binDir, tool);
  const [cmd, argv] = asUser ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  // cwd /: the postgres user may not be allowed into the caller's working directory.
  return spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/', timeout: 120_000 });
}

function check(result: SpawnSyncReturns<string>, what: string, logFile?: string): void {
  if (result.status === 0) return;
  const log = logFile && existsSync(logFile) ? `\n--- server log ---\n${readFileSync(logFile, 'utf8')}` : '';
  const why = result.error ? result.error.message : `${result.stderr}${result.stdout}`;
  throw new Error(`${what} failed (exit ${String(result.status)}): ${why.trim()}${log}`);
}

/** Starts a fresh cluster. Throws with the server log when it cannot. */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const asUser = postgresOsUser();
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-pg-'));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    chmodSync(dataDir, 0o700);
    if (asUser) chownSync(dataDir, asUser.uid, asUser.gid);
    const pgdata = join(dataDir, 'data');
    const logFile = join(dataDir, 'server.log');
    check(
      runPg(binDir, asUser, 'initdb', [
        '-D', pgdata, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
      ]),
      'initdb',
    );
    // A port can be taken between probing and binding; try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeLoopbackPort();
      const options = [
        `-c port=${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dataDir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=128MB',
      ].join(' ');
      const started = runPg(binDir, asUser, 'pg_ctl', ['-D', pgdata, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
      try {
        check(started, 'pg_ctl start', logFile);
      } catch (e) {
        lastError = e;
        continue;
      }
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stop);
        // immediate: the data is thrown away, so there is nothing worth a checkpoint.
        runPg(binDir, asUser, 'pg_ctl', ['-D', pgdata, '-m', 'immediate', '-w', 'stop']);
        cleanup();
      };
      // A run that dies without its teardown must not leave a postmaster behind.
      process.once('exit', stop);
      return { adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`, port, dataDir, stop };
    }
    throw lastError;
  } catch (e) {
    cleanup();
    throw e;
  }
}

let counter = 0;

export interface TestDatabase {
  /** `postgresql://postgres@127.0.0.1:<port>/<name>` */
  uri: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the cluster, named so parallel workers never collide. */
export async function createTestDatabase(adminUrl: string, label = 'test'): Promise<TestDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  const name = `t_${slug}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    name,
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** What the global setup hands to the workers. */
export type PostgresAvailability = { adminUrl: string } | { unavailable: string };

export const POSTGRES_PROVIDE_KEY = 'modelyardPostgres';
