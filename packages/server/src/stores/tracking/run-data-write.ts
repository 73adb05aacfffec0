import { placeholders, query, valuesList } from '../../db/sql-program.js';
import type { SqlProgram } from '../../db/sql-program.js';
import { InvalidParameterError } from '../../errors.js';
import { SYSTEM_TAGS } from '../../domain/tracking.js';
import type { Param, Tag } from '../../domain/tracking.js';

/**
 * Writes of a run's params and tags, as SQL programs (db/sql-program.ts) so they join the same
 * transaction as its metrics. A param may be logged again only with the value it already has.
 */
export function* writeParams(runId: string, params: Param[]): SqlProgram<void> {
  if (params.length === 0) return;
  const existing = yield* query<{ key: string; value: string }>(
    `select key, value from params where run_uuid = ? and key in (${placeholders(params.length)})`,
    [runId, ...params.map((p) => p.key)],
  );
  const stored = new Map(existing.map((p) => [p.key, p.value]));
  const fresh: Param[] = [];
  for (const p of params) {
    const old = stored.get(p.key);
    if (old === undefined) {
      stored.set(p.key, p.value);
      fresh.push(p);
    } else if (old !== p.value) {
      throw new InvalidParameterError(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
  }
  if (fresh.length === 0) return;
  const values: unknown[] = [];
  for (const p of fresh) values.push(runId, p.key, p.value);
  yield* query(`insert into params (run_uuid, key, value) values ${valuesList(fresh.length, 3)}`, values);
}

/** Sets tags (the last value of a key wins inside one batch, as when set one by one); `mlflow.runName` also renames the run. */
export function* upsertTags(runId: string, tags: Tag[]): SqlProgram<void> {
  if (tags.length === 0) return;
  const last = new Map(tags.map((t) => [t.key, t.value]));
  const values: unknown[] = [];
  for (const [key, value] of last) values.push(runId, key, value);
  yield* query(
    `insert into tags (run_uuid, key, value) values ${valuesList(last.size, 3)} on conflict (run_uuid, key) do update set value = excluded.value`,
    values,
  );
  const runName = last.get(SYSTEM_TAGS.runName);
  if (runName !== undefined) yield* query('update runs set name = ? where run_uuid = ?', [runName, runId]);
}
