import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { modelVersionNotFound, registeredModelNotFound, STAGE_DELETED_INTERNAL } from '../../domain/registry.js';
import type { ModelVersion } from '../../domain/registry.js';
import { hydrateVersions } from './registry-rows.js';
import { inTransaction, lockModel, recordEvents, reportChange } from './registry-write.js';
import type { WriteContext } from './registry-write.js';

/** Aliases (`models:/name@alias`): each move is audited in the transaction that makes it. */
export class ModelAliasStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  /** The version an alias points at; undefined when the alias (or the model) does not exist. */
  async resolve(name: string, alias: string): Promise<ModelVersion | undefined> {
    // One indexed join: alias primary key → version primary key. This is the hot path of
    // `models:/name@alias` resolution.
    const row = await this.db
      .selectFrom('registered_model_aliases as a')
      .innerJoin('model_versions as mv', (j) => j.onRef('mv.name', '=', 'a.name').onRef('mv.version', '=', 'a.version'))
      .selectAll('mv')
      .where('a.name', '=', name)
      .where('a.alias', '=', alias)
      .where('mv.current_stage', '<>', STAGE_DELETED_INTERNAL)
      .executeTakeFirst();
    if (!row) return undefined;
    const [mv] = await hydrateVersions(this.db, [row]);
    return mv;
  }

  /** Points `alias` at `version` (moving it if it pointed elsewhere). */
  async set(name: string, alias: string, version: number, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, name);
      const target = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', name)
        .where('version', '=', version)
        .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
        .executeTakeFirst();
      if (!target) throw modelVersionNotFound(name, version);
      const previous = await tx
        .selectFrom('registered_model_aliases')
        .select('version')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      await tx
        .insertInto('registered_model_aliases')
        .values({ name, alias, version })
        .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version }))
        .execute();
      await recordEvents(tx, ctx, [
        { name, version, kind: 'alias_set', alias, from: previous ? String(previous.version) : null, to: String(version) },
      ]);
      await reportChange(tx, ctx, { entity: 'model_version_alias', action: 'created', data: { name, alias, version: String(version) } });
    }, ctx);
  }

  /** Deleting a missing alias is not an error (as in MLflow); a missing model is. */
  async delete(name: string, alias: string, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (!(await lockModel(tx, this.caps, name))) throw registeredModelNotFound(name);
      const previous = await tx
        .selectFrom('registered_model_aliases')
        .select('version')
        .where('name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (!previous) return;
      await tx.deleteFrom('registered_model_aliases').where('name', '=', name).where('alias', '=', alias).execute();
      await recordEvents(tx, ctx, [{ name, version: Number(previous.version), kind: 'alias_deleted', alias, from: String(previous.version) }]);
      await reportChange(tx, ctx, { entity: 'model_version_alias', action: 'deleted', data: { name, alias } });
    }, ctx);
  }
}
