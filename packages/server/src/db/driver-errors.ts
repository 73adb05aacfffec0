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

/** A FOREIGN KEY constraint rejected the write (the referenced row is gone). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** PostgreSQL aborted the transaction because of a concurrent one; retrying is safe. */
export function isSerializationFailure(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}
