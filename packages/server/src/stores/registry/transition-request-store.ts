import type { Kysely, Selectable } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { TransitionRequestsTable } from '../../db/schema-registry.js';
import { NotFoundError } from '../../errors.js';
import { isModelStage, modelVersionNotFound, STAGE_DELETED_INTERNAL, TRANSITION_REQUEST_STATUSES } from '../../domain/registry.js';
import type { ModelStage, TransitionRequest, TransitionRequestStatus } from '../../domain/registry.js';
import { inTransaction, lockModel, recordEvents, reportChange } from './registry-write.js';
import type { WriteContext } from './registry-write.js';
import { applyStageTransition } from './stage-transition.js';
import type { AppliedTransition } from './stage-transition.js';

type Row = Selectable<TransitionRequestsTable>;

function toRequest(r: Row): TransitionRequest {
  return {
    requestId: Number(r.request_id),
    name: r.name,
    version: Number(r.version),
    toStage: isModelStage(r.to_stage) ? r.to_stage : 'None',
    status: (TRANSITION_REQUEST_STATUSES as readonly string[]).includes(r.status) ? (r.status as TransitionRequestStatus) : 'PENDING',
    requestedBy: r.requested_by,
    comment: r.comment,
    creationTimestamp: Number(r.creation_time),
    resolvedBy: r.resolved_by,
    resolvedComment: r.resolved_comment,
    resolvedTimestamp: r.resolved_time === null ? null : Number(r.resolved_time),
  };
}

function noOpenRequest(name: string, version: number, stage: string, creator?: string): NotFoundError {
  const by = creator === undefined ? '' : ` by '${creator}'`;
  return new NotFoundError(`No open transition request${by} to stage '${stage}' for model version (name=${name}, version=${version})`);
}

export interface RequestRef {
  name: string;
  version: number;
  stage: ModelStage;
}

/**
 * Stage transition requests (Databricks' approval workflow). Approving one performs the
 * transition in the same transaction that closes the request, so a request is never approved
 * without its transition or the other way round.
 */
export class TransitionRequestStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  async create(ref: RequestRef, ctx: WriteContext): Promise<TransitionRequest> {
    const id = await inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, ref.name);
      const live = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', ref.name)
        .where('version', '=', ref.version)
        .where('current_stage', '<>', STAGE_DELETED_INTERNAL)
        .executeTakeFirst();
      if (!live) throw modelVersionNotFound(ref.name, ref.version);
      const row = await tx
        .insertInto('transition_requests')
        .values({
          name: ref.name,
          version: ref.version,
          to_stage: ref.stage,
          status: 'PENDING',
          requested_by: ctx.actor,
          comment: ctx.comment ?? null,
          creation_time: ctx.now,
        })
        .returning('request_id')
        .executeTakeFirstOrThrow();
      await recordEvents(tx, ctx, [{ name: ref.name, version: ref.version, kind: 'transition_requested', to: ref.stage }]);
      await reportChange(tx, ctx, {
        entity: 'transition_request',
        action: 'created',
        data: { name: ref.name, version: String(ref.version), to_stage: ref.stage, requested_by: ctx.actor, comment: ctx.comment ?? null },
      });
      return Number(row.request_id);
    }, ctx);
    const row = await this.db.selectFrom('transition_requests').selectAll().where('request_id', '=', id).executeTakeFirstOrThrow();
    return toRequest(row);
  }

  /** Open requests for a version, oldest first. */
  async listPending(name: string, version: number): Promise<TransitionRequest[]> {
    const rows = await this.db
      .selectFrom('transition_requests')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .where('status', '=', 'PENDING')
      .orderBy('request_id')
      .execute();
    return rows.map(toRequest);
  }

  /** Approves every open request to `stage` for the version and performs the transition. */
  async approve(ref: RequestRef, archiveExistingVersions: boolean, ctx: WriteContext): Promise<{ requests: TransitionRequest[]; applied: AppliedTransition }> {
    return inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, ref.name);
      const open = await this.openRows(tx, ref);
      if (open.length === 0) throw noOpenRequest(ref.name, ref.version, ref.stage);
      const applied = await applyStageTransition(tx, this.caps, { ...ref, archiveExistingVersions }, ctx);
      await this.resolve(tx, open, 'APPROVED', ctx);
      await recordEvents(tx, ctx, [{ name: ref.name, version: ref.version, kind: 'transition_approved', from: applied.fromStage, to: ref.stage }]);
      return { requests: open.map((r) => toRequest({ ...r, status: 'APPROVED', resolved_by: ctx.actor, resolved_comment: ctx.comment ?? null, resolved_time: ctx.now })), applied };
    }, ctx);
  }

  async reject(ref: RequestRef, ctx: WriteContext): Promise<TransitionRequest[]> {
    return inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, ref.name);
      const open = await this.openRows(tx, ref);
      if (open.length === 0) throw noOpenRequest(ref.name, ref.version, ref.stage);
      await this.resolve(tx, open, 'REJECTED', ctx);
      await recordEvents(tx, ctx, [{ name: ref.name, version: ref.version, kind: 'transition_rejected', to: ref.stage }]);
      return open.map((r) => toRequest({ ...r, status: 'REJECTED', resolved_by: ctx.actor, resolved_comment: ctx.comment ?? null, resolved_time: ctx.now }));
    }, ctx);
  }

  /** Withdraws `creator`'s open request (Databricks' delete). */
  async cancel(ref: RequestRef, creator: string, ctx: WriteContext): Promise<TransitionRequest[]> {
    return inTransaction(this.db, async (tx) => {
      await lockModel(tx, this.caps, ref.name);
      const open = (await this.openRows(tx, ref)).filter((r) => r.requested_by === creator);
      if (open.length === 0) throw noOpenRequest(ref.name, ref.version, ref.stage, creator);
      await this.resolve(tx, open, 'CANCELLED', ctx);
      await recordEvents(tx, ctx, [{ name: ref.name, version: ref.version, kind: 'transition_cancelled', to: ref.stage }]);
      return open.map((r) => toRequest({ ...r, status: 'CANCELLED', resolved_by: ctx.actor, resolved_comment: ctx.comment ?? null, resolved_time: ctx.now }));
    }, ctx);
  }

  private openRows(tx: Kysely<Database>, ref: RequestRef): Promise<Row[]> {
    return tx
      .selectFrom('transition_requests')
      .selectAll()
      .where('name', '=', ref.name)
      .where('version', '=', ref.version)
      .where('to_stage', '=', ref.stage)
      .where('status', '=', 'PENDING')
      .orderBy('request_id')
      .execute();
  }

  private async resolve(tx: Kysely<Database>, rows: readonly Row[], status: TransitionRequestStatus, ctx: WriteContext): Promise<void> {
    await tx
      .updateTable('transition_requests')
      .set({ status, resolved_by: ctx.actor, resolved_comment: ctx.comment ?? null, resolved_time: ctx.now })
      .where('request_id', 'in', rows.map((r) => r.request_id))
      .execute();
  }
}
