import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { modelVersionNotFound, registeredModelNotFound, STAGE_DELETED_INTERNAL } from '../../domain/registry.js';
import type { ModelStage, ModelVersion, ModelVersionStatus } from '../../domain/registry.js';

export type { StageTransition } from './stage-transition.js';
import type { Tag } from '../../domain/tracking.js';
import { hydrateVersions } from './registry-rows.js';
import type { ModelVersionRow } from './registry-rows.js';
import { searchModelVersionRows } from './registry-search.js';
import type { RegistrySearchQuery } from './registry-search.js';
import { inTransaction, lockModel, recordEvents, reportChange } from './registry-write.js';
import type { AuditEntry, WriteContext } from './registry-write.js';
import { applyStageTransition } from './stage-transition.js';
import type { StageTransition } from './stage-transition.js';

export interface NewModelVersion {
  name: string;
  source: string;
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  description: string | null;
  userId: string | null;
  modelId: string | null;
  status: ModelVersionStatus;
  statusMessage?: string | null;
  tags: Tag[];
}

/** Model versions: numbering, stages, tags, soft deletion. Aliases live in ModelAliasStore. */
export class ModelVersionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  /**
   * Numbers are max + 1 over every version ever created (deleted ones keep their row), taken
   * under the model's write lock so racing creators get distinct consecutive numbers.
   */
  async create(v: NewModelVersion, ctx: WriteContext): Promise<ModelVersion> {
    const version = await inTransaction(this.db, async (tx) => {
      if (!(await lockModel(tx, this.caps, v.name))) throw registeredModelNotFound(v.name);
      const top = await tx
        .selectFrom('model_versions')
        .select(({ fn }) => fn.max('version').as('max_version'))
        .where('name', '=', v.name)
        .executeTakeFirst();
      const next = Number(top?.max_version ?? 0) + 1;
      await tx
        .insertInto('model_versions')
        .values({
          name: v.name,
          version: next,
          creation_time: ctx.now,
          last_updated_time: ctx.now,
          description: v.description,
          user_id: v.userId,
          current_stage: 'None',
          source: v.source,
          storage_location: v.storageLocation,
          run_id: v.runId,
          run_link: v.runLink,
          status: v.status,
          status_message: v.statusMessage ?? null,
          model_id: v.modelId,
        })
        .execute();
      if (v.tags.length > 0) {
        await tx
          .insertInto('model_version_tags')
          .values(v.tags.map((t) => ({ name: v.name, version: next, key: t.key, value: t.value })))
          .execute();
      }
      await tx.updateTable('registered_models').set({ last_updated_time: ctx.now }).where('name', '=', v.name).execute();
      await recordEvents(tx, ctx, [{ name: v.name, version: next, kind: 'version_created', to: v.source }]);
      await reportChange(tx, ctx, {
        entity: 'model_version',
        action: 'created',
        data: {
          name: v.name,
          version: String(next),
          source: v.source,
          run_id: v.runId,
          tags: Object.fromEntries(v.tags.map((t) => [t.key, t.value])),
          description: v.description,
        },
      });
      return next;
    }, ctx);
    return (await this.get(v.name, version))!;
  }

  /** A live (not deleted) version. */
  async get(name: string, version: number): Promise<ModelVersion | undefined> {
    const row = await this.liveRow(this.db, name, version);
    if (!row) return undefined;
    const [mv] = await hydrateVersions(this.db, [row]);
    return mv;
  }

  /** The newest live version, optionally only among versions in `stage` (`models:/name/Stage`). */
  async latest(name: string, stage?: ModelStage): Promise<ModelVersion | undefined> {
    let q = this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', '=', name)
      .where('current_stage', '<>', STAGE_DELETED_INTERNAL);
    if (stage !== undefined) q = q.where('current_stage', '=', stage);
    const row = await q.orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (!row) return undefined;
    const [mv] = await hydrateVersions(this.db, [row]);
    return mv;
  }

  async search(q: RegistrySearchQuery): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
    const page = await searchModelVersionRows(this.db, this.caps, q);
    const versions = await hydrateVersions(this.db, page.rows);
    return page.nextPageToken ? { versions, nextPageToken: page.nextPageToken } : { versions };
  }

  async updateDescription(name: string, version: number, description: string | null, now: number): Promise<void> {
    const res = await this.db
      .updateTable('model_versions')
      .set({ description, last_updated_time: now })
      .where('name', '=', name)
      .where('version', '=', version)
      .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw modelVersionNotFound(name, version);
  }

  /** Registration finished (files in place) or failed. */
  async setStatus(name: string, version: number, status: ModelVersionStatus, statusMessage: string | null, now: number): Promise<void> {
    const res = await this.db
      .updateTable('model_versions')
      .set({ status, status_message: statusMessage, last_updated_time: now })
      .where('name', '=', name)
      .where('version', '=', version)
      .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw modelVersionNotFound(name, version);
  }

  /**
   * Moves a version to a stage (and, with `archiveExistingVersions`, the others in it to
   * Archived) in one transaction under the model's write lock; see applyStageTransition.
   */
  async transitionStage(t: StageTransition, ctx: WriteContext): Promise<ModelVersion> {
    await inTransaction(this.db, (tx) => applyStageTransition(tx, this.caps, t, ctx), ctx);
    return (await this.get(t.name, t.version))!;
  }

  /**
   * MLflow soft-deletes: the row stays (its number is never reused) in a hidden stage with its
   * lineage redacted; aliases pointing at it go, each recorded as an alias deletion.
   */
  async delete(name: string, version: number, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, name);
      const row = await this.liveRow(tx, name, version);
      if (!row) throw modelVersionNotFound(name, version);
      const aliases = await tx
        .selectFrom('registered_model_aliases')
        .select('alias')
        .where('name', '=', name)
        .where('version', '=', version)
        .orderBy('alias')
        .execute();
      await tx.deleteFrom('registered_model_aliases').where('name', '=', name).where('version', '=', version).execute();
      await tx
        .updateTable('model_versions')
        .set({
          current_stage: STAGE_DELETED_INTERNAL,
          last_updated_time: ctx.now,
          description: null,
          user_id: null,
          source: 'REDACTED-SOURCE-PATH',
          run_id: 'REDACTED-RUN-ID',
          run_link: 'REDACTED-RUN-LINK',
          status_message: null,
        })
        .where('name', '=', name)
        .where('version', '=', version)
        .execute();
      await tx.updateTable('registered_models').set({ last_updated_time: ctx.now }).where('name', '=', name).execute();
      await recordEvents(tx, ctx, [
        ...aliases.map((a): AuditEntry => ({ name, version, kind: 'alias_deleted', alias: a.alias, from: String(version) })),
        { name, version, kind: 'version_deleted', from: row.current_stage },
      ]);
      for (const a of aliases) {
        await reportChange(tx, ctx, { entity: 'model_version_alias', action: 'deleted', data: { name, alias: a.alias } });
      }
      await reportChange(tx, ctx, { entity: 'model_version', action: 'deleted', data: { name, version: String(version) } });
    }, ctx);
  }

  async setTag(name: string, version: number, tag: Tag, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (!(await this.liveRow(tx, name, version))) throw modelVersionNotFound(name, version);
      await tx
        .insertInto('model_version_tags')
        .values({ name, version, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
      await reportChange(tx, ctx, {
        entity: 'model_version_tag',
        action: 'set',
        data: { name, version: String(version), key: tag.key, value: tag.value },
      });
    }, ctx);
  }

  /** A missing tag is not an error (as in MLflow's SQL store); a missing version is. */
  async deleteTag(name: string, version: number, key: string, ctx: WriteContext): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (!(await this.liveRow(tx, name, version))) throw modelVersionNotFound(name, version);
      const res = await tx
        .deleteFrom('model_version_tags')
        .where('name', '=', name)
        .where('version', '=', version)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) > 0) {
        await reportChange(tx, ctx, { entity: 'model_version_tag', action: 'deleted', data: { name, version: String(version), key } });
      }
    }, ctx);
  }

  private liveRow(db: Kysely<Database>, name: string, version: number): Promise<ModelVersionRow | undefined> {
    return db
      .selectFrom('model_versions')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
      .executeTakeFirst();
  }
}
