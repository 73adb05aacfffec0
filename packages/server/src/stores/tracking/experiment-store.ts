import type { Kysely } from 'kysely';
import type { ViewType } from '@modelyard/contract';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/driver-errors.js';
import { query, runRead } from '../../db/sql-program.js';
import { AlreadyExistsError } from '../../errors.js';
import type { Experiment, Tag } from '../../domain/tracking.js';
import { searchExperimentIds } from './experiment-search.js';

export interface NewExperiment {
  name: string;
  artifactLocation: string | null;
  tags: Tag[];
  now: number;
}

export interface ExperimentSearch {
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

/** Experiments and their tags. Ids are integers in the database and strings on the wire. */
export class ExperimentStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  /**
   * Inserts the experiment and its tags in one transaction. The artifact location of a new
   * experiment usually contains its own id, which only the insert knows, so `locate` computes it
   * from the id when no location was given.
   */
  async create(e: NewExperiment, locate: (experimentId: string) => string): Promise<string> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('experiments')
          .values({
            name: e.name,
            artifact_location: e.artifactLocation,
            lifecycle_stage: 'active',
            creation_time: e.now,
            last_update_time: e.now,
          })
          .returning('experiment_id')
          .executeTakeFirstOrThrow();
        const id = String(row.experiment_id);
        if (e.artifactLocation === null) {
          await tx
            .updateTable('experiments')
            .set({ artifact_location: locate(id) })
            .where('experiment_id', '=', row.experiment_id)
            .execute();
        }
        if (e.tags.length > 0) {
          await tx
            .insertInto('experiment_tags')
            .values(e.tags.map((t) => ({ experiment_id: row.experiment_id, key: t.key, value: t.value })))
            .execute();
        }
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Experiment '${e.name}' already exists.`);
      throw err;
    }
  }

  async get(experimentId: string): Promise<Experiment | undefined> {
    const idNum = toIdNumber(experimentId);
    if (idNum === undefined) return undefined;
    // SQL text, not the builder: every create-run starts with this lookup, and compiling the two
    // builder queries cost more than running them.
    return runRead(this.db, this.caps, function* () {
      const [row] = yield* query<ExperimentRow>('select * from experiments where experiment_id = ?', [idNum]);
      if (!row) return undefined;
      const exp = toExperiment(row);
      const tags = yield* query<{ key: string; value: string | null }>('select key, value from experiment_tags where experiment_id = ? order by key', [idNum]);
      for (const t of tags) exp.tags.push({ key: t.key, value: t.value ?? '' });
      return exp;
    });
  }

  async getByName(name: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').select('experiment_id').where('name', '=', name).executeTakeFirst();
    return row ? this.get(String(row.experiment_id)) : undefined;
  }

  /** Loads experiments with their tags, in the order of `ids`. */
  async load(ids: number[]): Promise<Experiment[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('experiments').selectAll().where('experiment_id', 'in', ids).execute();
    const tags = await this.db
      .selectFrom('experiment_tags')
      .select(['experiment_id', 'key', 'value'])
      .where('experiment_id', 'in', ids)
      .orderBy('key')
      .execute();
    const byId = new Map(rows.map((r) => [Number(r.experiment_id), toExperiment(r)]));
    for (const t of tags) byId.get(Number(t.experiment_id))?.tags.push({ key: t.key, value: t.value ?? '' });
    return ids.map((id) => byId.get(id)).filter((e): e is Experiment => e !== undefined);
  }

  async search(q: ExperimentSearch): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
    const page = await searchExperimentIds(this.db, this.caps, q);
    const experiments = await this.load(page.experimentIds.map(Number));
    return page.nextPageToken ? { experiments, nextPageToken: page.nextPageToken } : { experiments };
  }

  async rename(experimentId: string, newName: string, now: number): Promise<void> {
    try {
      await this.db
        .updateTable('experiments')
        .set({ name: newName, last_update_time: now })
        .where('experiment_id', '=', Number(experimentId))
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(`Experiment '${newName}' already exists.`);
      throw err;
    }
  }

  async setArtifactLocation(experimentId: string, location: string): Promise<void> {
    await this.db
      .updateTable('experiments')
      .set({ artifact_location: location })
      .where('experiment_id', '=', Number(experimentId))
      .execute();
  }

  /**
   * Deleting an experiment soft-deletes its runs with it, as MLflow does, so its runs leave
   * ACTIVE_ONLY searches; restoring brings back the runs that were deleted with it.
   */
  async setLifecycle(experimentId: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    const id = Number(experimentId);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('experiments')
        .set({ lifecycle_stage: stage, last_update_time: now })
        .where('experiment_id', '=', id)
        .execute();
      if (stage === 'deleted') {
        await tx
          .updateTable('runs')
          .set({ lifecycle_stage: 'deleted', deleted_time: now })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'active')
          .execute();
      } else {
        await tx
          .updateTable('runs')
          .set({ lifecycle_stage: 'active', deleted_time: null })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'deleted')
          .execute();
      }
    });
  }

  async setTag(experimentId: string, tag: Tag): Promise<void> {
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: Number(experimentId), key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  /** Returns false when the tag did not exist. */
  async deleteTag(experimentId: string, key: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', Number(experimentId))
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

/** Ids that are not integers cannot exist; answering "not found" is what MLflow does. */
export function toIdNumber(experimentId: string): number | undefined {
  const t = experimentId.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string;
  creation_time: number | null;
  last_update_time: number | null;
}

function toExperiment(r: ExperimentRow): Experiment {
  return {
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location ?? '',
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: r.creation_time,
    lastUpdateTime: r.last_update_time,
    tags: [],
  };
}
