import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/driver-errors.js';
import { AlreadyExistsError } from '../../errors.js';
import { registeredModelNotFound } from '../../domain/registry.js';
import type { RegisteredModel } from '../../domain/registry.js';
import type { Tag } from '../../domain/tracking.js';
import { loadRegisteredModels } from './registry-rows.js';
import { searchRegisteredModelNames } from './registry-search.js';
import type { RegistrySearchQuery } from './registry-search.js';
import { inTransaction, lockModel, recordEvents, reportChange } from './registry-write.js';
import type { WriteContext } from './registry-write.js';

export interface NewRegisteredModel {
  name: string;
  description: string | null;
  tags: Tag[];
}

function alreadyExists(name: string): AlreadyExistsError {
  return new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
}

/** Registered models, their tags, and the lifecycle events of the audit trail. */
export class RegisteredModelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  async create(m: NewRegisteredModel, ctx: WriteContext): Promise<RegisteredModel> {
    try {
      await inTransaction(this.db, async (tx) => {
        await tx
          .insertInto('registered_models')
          .values({ name: m.name, creation_time: ctx.now, last_updated_time: ctx.now, description: m.description })
          .execute();
        if (m.tags.length > 0) {
          await tx
            .insertInto('registered_model_tags')
            .values(m.tags.map((t) => ({ name: m.name, key: t.key, value: t.value })))
            .execute();
        }
        await recordEvents(tx, ctx, [{ name: m.name, kind: 'model_created' }]);
        await reportChange(tx, ctx, {
          entity: 'registered_model',
          action: 'created',
          data: { name: m.name, tags: Object.fromEntries(m.tags.map((t) => [t.key, t.value])), description: m.description },
        });
      }, ctx);
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(m.name);
      throw err;
    }
    return (await this.get(m.name))!;
  }

  async get(name: string): Promise<RegisteredModel | undefined> {
    const [model] = await loadRegisteredModels(this.db, [name]);
    return model;
  }

  async exists(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('registered_models').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async search(q: RegistrySearchQuery): Promise<{ models: RegisteredModel[]; nextPageToken?: string }> {
    const page = await searchRegisteredModelNames(this.db, this.caps, q);
    const models = await loadRegisteredModels(this.db, page.names);
    return page.nextPageToken ? { models, nextPageToken: page.nextPageToken } : { models };
  }

  /** Throws RESOURCE_DOES_NOT_EXIST when the model is missing. */
  async updateDescription(name: string, description: string | null, now: number): Promise<void> {
    const res = await this.db
      .updateTable('registered_models')
      .set({ description, last_updated_time: now })
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw registeredModelNotFound(name);
  }

  /**
   * Versions, tags and aliases follow through ON UPDATE CASCADE; the audit trail is renamed too,
   * so a model's history stays one history, and the rename itself is recorded.
   */
  async rename(name: string, newName: string, ctx: WriteContext): Promise<void> {
    try {
      await inTransaction(this.db, async (tx) => {
        if (!(await lockModel(tx, this.caps, name))) throw registeredModelNotFound(name);
        await tx.updateTable('registered_models').set({ name: newName, last_updated_time: ctx.now }).where('name', '=', name).execute();
        await tx.updateTable('model_versions').set({ last_updated_time: ctx.now }).where('name', '=', newName).execute();
        await tx.updateTable('registry_events').set({ name: newName }).where('name', '=', name).execute();
        await recordEvents(tx, ctx, [{ name: newName, kind: 'model_renamed', from: name, to: newName }]);
        await reportChange(tx, ctx, { entity: 'registered_model', action: 'updated', data: { name: newName, previous_name: name } });
      }, ctx);
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(newName);
      throw err;
    }
  }

  /** Deletes the model with its versions, tags and aliases; the audit trail keeps the deletion. */
  async delete(name: string, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (!(await lockModel(tx, this.caps, name))) throw registeredModelNotFound(name);
      await tx.deleteFrom('registered_models').where('name', '=', name).execute();
      await recordEvents(tx, ctx, [{ name, kind: 'model_deleted' }]);
      await reportChange(tx, ctx, { entity: 'registered_model', action: 'deleted', data: { name } });
    }, ctx);
  }

  async setTag(name: string, tag: Tag): Promise<void> {
    if (!(await this.exists(name))) throw registeredModelNotFound(name);
    try {
      await this.db
        .insertInto('registered_model_tags')
        .values({ name, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
    } catch (err) {
      // Deleted between the check and the write.
      if (isForeignKeyViolation(err)) throw registeredModelNotFound(name);
      throw err;
    }
  }

  /** A missing tag is not an error (MLflow's SQL store ignores it); a missing model is. */
  async deleteTag(name: string, key: string): Promise<void> {
    if (!(await this.exists(name))) throw registeredModelNotFound(name);
    await this.db.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute();
  }
}
