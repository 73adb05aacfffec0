import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { modelVersionNotFound, STAGE_DELETED_INTERNAL } from '../../domain/registry.js';
import type { ModelStage } from '../../domain/registry.js';
import { lockModel, recordEvents, reportChange } from './registry-write.js';
import type { AuditEntry, WriteContext } from './registry-write.js';

export interface StageTransition {
  name: string;
  version: number;
  stage: ModelStage;
  archiveExistingVersions: boolean;
}

export interface AppliedTransition {
  fromStage: string;
  /** Versions moved to Archived because they were in the target stage. */
  archived: number[];
}

/**
 * Moves a version to a stage and, with `archiveExistingVersions`, every other version in that
 * stage to Archived, with one audit row per moved version. Call it inside a transaction: it takes
 * the model's write lock first, so two racing promotions leave exactly one version in the stage,
 * and a caller (an approved transition request) can commit its own rows with it.
 */
export async function applyStageTransition(
  tx: Kysely<Database>,
  caps: DbCaps,
  t: StageTransition,
  ctx: WriteContext,
): Promise<AppliedTransition> {
  await lockModel(tx, caps, t.name);
  const target = await tx
    .selectFrom('model_versions')
    .select('current_stage')
    .where('name', '=', t.name)
    .where('version', '=', t.version)
    .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
    .executeTakeFirst();
  if (!target) throw modelVersionNotFound(t.name, t.version);
  const audit: AuditEntry[] = [{ name: t.name, version: t.version, kind: 'stage_transition', from: target.current_stage, to: t.stage }];
  const archived: number[] = [];
  if (t.archiveExistingVersions) {
    const displaced = await tx
      .selectFrom('model_versions')
      .select(['version', 'current_stage'])
      .where('name', '=', t.name)
      .where('version', '<>', t.version)
      .where('current_stage', '=', t.stage)
      .orderBy('version')
      .execute();
    if (displaced.length > 0) {
      await tx
        .updateTable('model_versions')
        .set({ current_stage: 'Archived', last_updated_time: ctx.now })
        .where('name', '=', t.name)
        .where('version', 'in', displaced.map((d) => d.version))
        .execute();
      for (const d of displaced) {
        archived.push(Number(d.version));
        audit.push({ name: t.name, version: Number(d.version), kind: 'stage_transition', from: d.current_stage, to: 'Archived' });
      }
    }
  }
  await tx
    .updateTable('model_versions')
    .set({ current_stage: t.stage, last_updated_time: ctx.now })
    .where('name', '=', t.name)
    .where('version', '=', t.version)
    .execute();
  await tx.updateTable('registered_models').set({ last_updated_time: ctx.now }).where('name', '=', t.name).execute();
  await recordEvents(tx, ctx, audit);
  for (const a of audit) {
    await reportChange(tx, ctx, {
      entity: 'model_version',
      action: 'transitioned',
      data: { name: t.name, version: String(a.version), from_stage: a.from, to_stage: a.to, comment: ctx.comment ?? null },
    });
  }
  return { fromStage: target.current_stage, archived };
}
