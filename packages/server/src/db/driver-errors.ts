import { StatementTimeoutError, TemporarilyUnavailableError } from '../errors.js';

/**
 * The only place that knows the drivers' error shapes: better-sqlite3 raises SqliteError with a
 * `code` such as SQLITE_CONSTRAINT_UNIQUE, pg raises DatabaseError with SQLSTATE in `code`.
 */

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A UNIQUE or PRIMARY KEY constraint rejected the write. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The database had no room for a write: SQLite's SQLITE_FULL (the disk under its file or WAL is
 * full; SQLite has rolled the transaction back) or PostgreSQL's disk_full (53100).
 */
export function isDatabaseFull(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_FULL' || code === '53100';
}

/** A FOREIGN KEY constraint rejected the write (the referenced row is gone). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/**
 * PostgreSQL aborted the transaction because of a concurrent one; retrying is safe. (SQLite's
 * counterpart, a lock still held by another process after the busy timeout, reaches callers as
 * TemporarilyUnavailableError: see `unavailableIfBusy`.)
 */
export function isSerializationFailure(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40001' || code === '40P01';
}

/**
 * SQLite could not get a lock it needed: SQLITE_BUSY (another process held the write lock for
 * the whole busy timeout) or one of its extended codes (_SNAPSHOT, _RECOVERY, _TIMEOUT).
 */
export function isSqliteBusy(err: unknown): boolean {
  return codeOf(err)?.startsWith('SQLITE_BUSY') === true;
}

/**
 * `err`, or a 503 TemporarilyUnavailableError when it is SQLite's BUSY: the store is shared
 * with another process that held its write lock too long, the statement that met it was not
 * applied, and the client may send the request again (MLflow's clients retry a 503 by themselves).
 */
export function unavailableIfBusy(err: unknown): unknown {
  if (!isSqliteBusy(err)) return err;
  return new TemporarilyUnavailableError(
    'The SQLite store is busy: another process held its write lock longer than the busy timeout. Retry the request; if this persists, find the process holding the database file open in a long transaction.',
  );
}

/**
 * PostgreSQL cancelled the statement (SQLSTATE 57014 query_canceled): the session's
 * statement_timeout ran out, or, rarely, an administrator cancelled it (pg_cancel_backend).
 */
export function isStatementCancelled(err: unknown): boolean {
  return codeOf(err) === '57014';
}

/** `err`, or a StatementTimeoutError naming the limit and how to change it when it is 57014. */
export function timeoutIfCancelled(err: unknown, statementTimeoutMs: number): unknown {
  if (!isStatementCancelled(err)) return err;
  // The message is only English when the server's lc_messages is.
  const why =
    err instanceof Error && /statement timeout/i.test(err.message)
      ? `it ran longer than the server's statement timeout of ${statementTimeoutMs} ms`
      : `the database cancelled it (the statement timeout is ${statementTimeoutMs} ms; an administrator may also have cancelled it)`;
  return new StatementTimeoutError(
    `The database query for this request was stopped: ${why}. Narrow the request (fewer experiments, a more selective filter, ` +
      'a smaller max_results) or ask the operator to raise the limit (modelyard server --statement-timeout-ms, ' +
      'env MODELYARD_STATEMENT_TIMEOUT_MS; 0 turns it off).',
  );
}
