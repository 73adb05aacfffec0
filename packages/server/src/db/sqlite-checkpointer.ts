import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** How often the worker copies the WAL's new pages into the database file. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * WAL pages after which a committing connection checkpoints by itself after all (SQLite's
 * `wal_autocheckpoint`, 1,000 by default): 4,000 pages is a 16 MB WAL. Reached only while writes
 * stream in without a pause: the worker's checkpoint copies pages, but SQLite can start the WAL
 * over only once it has copied every page, and a writer committing every few hundred
 * microseconds always adds some while a checkpoint runs.
 */
export const COMMITTER_CHECKPOINT_PAGES = 4000;

/*
 * The worker's code, plain CommonJS evaluated as is (it runs the same from sources, from dist and
 * under the test runner). Its own connection to the store runs a PASSIVE checkpoint on a timer:
 * it never waits for the server's connection, and the server's connection never waits for it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path);
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    // SQLITE_BUSY and its extended codes: a connection of this or another process (a second
    // server on the same file) is checkpointing or recovering the WAL; the next tick catches up.
    // SQLITE_FULL: the disk is full; the checkpoint goes on once space is freed.
    if (!String(e.code).startsWith('SQLITE_BUSY') && e.code !== 'SQLITE_FULL') throw e;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a file-backed SQLite store's write-ahead log from a worker thread, so a server's
 * writes do not pay for it. With SQLite's default, the connection whose commit takes the WAL past
 * 1,000 pages copies them into the database file and syncs both files before that commit returns:
 * every few hundred log-metric calls, one waits for two fsyncs (SQLite's WAL documentation
 * suggests exactly this split for applications that care about write latency). The server's
 * connection keeps a larger `wal_autocheckpoint` as a bound (see `COMMITTER_CHECKPOINT_PAGES`).
 *
 * Durability is unchanged: commits stay in the WAL until copied, and a checkpoint interrupted by
 * a crash is finished by the next connection to open the file.
 */
export class SqliteCheckpointer {
  private readonly stopped: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    connection: BetterSqlite3.Database,
  ) {
    this.stopped = new Promise((resolve) => worker.once('exit', () => resolve()));
    // Should the worker fail (it cannot open the file, a checkpoint errs), the connection goes
    // back to checkpointing by itself as SQLite does by default: nothing is lost, writes just
    // pay for checkpoints again.
    worker.once('error', () => {
      if (connection.open) connection.pragma('wal_autocheckpoint = 1000');
    });
  }

  /** Starts checkpointing `path`, the file `connection` writes to. */
  static start(connection: BetterSqlite3.Database, path: string, intervalMs = CHECKPOINT_INTERVAL_MS): SqliteCheckpointer {
    connection.pragma(`wal_autocheckpoint = ${COMMITTER_CHECKPOINT_PAGES}`);
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, path, intervalMs } });
    // A timer's thread must not keep a finished process alive.
    worker.unref();
    return new SqliteCheckpointer(worker, connection);
  }

  /** Stops the timer and closes the worker's connection; resolves once the worker has exited. */
  async stop(): Promise<void> {
    // Held while it stops: an unref'd worker would let a process with nothing else pending (a
    // server failing at start, after the store opened) exit in the middle of this await, with
    // exit code 0 and its error never printed.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.stopped;
  }
}
