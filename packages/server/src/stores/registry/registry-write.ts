import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { isSerializationFailure } from '../../db/driver-errors.js';
import type { RegistryChange, RegistryEventKind } from '../../domain/registry.js';

/** Called inside the writing transaction for each change it makes (e.g. to fill a webhook outbox). */
export type ChangeListener = (tx: Kysely<Database>, change: RegistryChange) => Promise<void>;

/** What every registry write carries: its time, who makes it and why (for the audit trail). */
export interface WriteContext {
  now: number;
  actor: string;
  comment?: string | undefined;
  onChange?: ChangeListener | undefined;
  /** Called once the transaction that reported changes has committed (e.g. to send webhooks now). */
  afterCommit?: (() => void) | undefined;
  /** Set by reportChange during the current transaction attempt. */
  reported?: boolean;
}

export interface AuditEntry {
  name: string;
  version?: number | null;
  kind: RegistryEventKind;
  alias?: string | null;
  from?: string | null;
  to?: string | null;
}

/** Appends audit rows; call it with the transaction of the change it records. */
export async function recordEvents(tx: Kysely<Database>, ctx: WriteContext, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx
    .insertInto('registry_events')
    .values(
      entries.map((e) => ({
        name: e.name,
        version: e.version ?? null,
        kind: e.kind,
        alias: e.alias ?? null,
        from_value: e.from ?? null,
        to_value: e.to ?? null,
        actor: ctx.actor,
        comment: ctx.comment ?? null,
        timestamp: ctx.now,
      })),
    )
    .execute();
}

export async function reportChange(tx: Kysely<Database>, ctx: WriteContext, change: RegistryChange): Promise<void> {
  ctx.reported = true;
  if (ctx.onChange) await ctx.onChange(tx, change);
}

/**
 * Takes the per-model write lock and says whether the model exists. On PostgreSQL the row lock
 * serialises writers of one model (two racing `archive_existing_versions` transitions, two racing
 * version creations), which READ COMMITTED alone would not. On SQLite every write transaction
 * already runs alone (one connection per process, guarded by Kysely's mutex; the database write
 * lock across processes), so a plain read is enough.
 */
export async function lockModel(tx: Kysely<Database>, caps: DbCaps, name: string): Promise<boolean> {
  let q = tx.selectFrom('registered_models').select('name').where('name', '=', name);
  if (caps.dialect === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirst()) !== undefined;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs `fn` in a transaction, again when the database aborted it for a concurrent one
 * (PostgreSQL deadlock or serialization failure): the work is idempotent up to its commit, so a
 * retry is safe. On SQLite a write transaction takes the write lock as it begins, waiting for
 * another process's (db/sqlite-dialect.ts), so there is nothing to retry. With `ctx`, its afterCommit hook runs after a
 * commit that reported changes.
 */
export async function inTransaction<T>(db: Kysely<Database>, fn: (tx: Kysely<Database>) => Promise<T>, ctx?: WriteContext): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (ctx) ctx.reported = false;
      const out = await db.transaction().execute(fn);
      if (ctx?.reported) ctx.afterCommit?.();
      return out;
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isSerializationFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
