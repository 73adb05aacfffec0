import type { Kysely, Selectable } from 'kysely';
import type { RunStatus, ViewType } from '@modelyard/contract';
import type { DbCaps } from '../../db/connect.js';
import { rawQuery } from '../../db/raw-insert.js';
import { query, runStatement, runTransaction, valuesList } from '../../db/sql-program.js';
import type { Database } from '../../db/schema.js';
import { SYSTEM_TAGS } from '../../domain/tracking.js';
import type { DatasetInput, Metric, ModelIo, Param, Run, RunInfo, Tag } from '../../domain/tracking.js';
import type { MetricStore } from './metric-store.js';
import { upsertTags, writeParams } from './run-data-write.js';
import { readRunIo, writeDatasetInputs, writeModelEdges } from './run-inputs.js';
import { searchRunIds } from './run-search.js';
import { toIdNumber } from './experiment-store.js';

export interface NewRun {
  runId: string;
  experimentId: string;
  name: string;
  userId: string;
  startTime: number;
  tags: Tag[];
}

/** What creating a run needs of its experiment, read in the same transaction as the insert. */
export interface RunExperiment {
  experimentId: string;
  artifactLocation: string;
  lifecycleStage: string;
}

/** RunInfo plus what writers need to check and route a write. */
export interface StoredRunInfo extends RunInfo {
  experimentIdNumber: number;
}

export interface RunData {
  metrics: Metric[];
  params: Param[];
  tags: Tag[];
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

/**
 * Runs with their params, tags, metrics (through MetricStore) and inputs. `runs.name` mirrors
 * the `mlflow.runName` tag — every write of either keeps both in step — so searches and sorts on
 * the run name are plain column operations.
 */
export class RunStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
    private readonly metrics: MetricStore,
  ) {}

  /**
   * Creates the run in its experiment. `place` sees the experiment as read in the same transaction
   * (undefined when there is none), refuses it by throwing, or returns the run's artifact URI.
   * Returns the experiment's id as stored, that URI and the tags as stored (sorted by key, with `mlflow.runName`).
   */
  async create(r: NewRun, place: (experiment: RunExperiment | undefined) => string): Promise<{ experimentId: string; artifactUri: string; tags: Tag[] }> {
    const tags = withRunNameTag(r.tags, r.name);
    const sortedTags = [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const experimentIdNumber = toIdNumber(r.experimentId);
    // SQL text, not the builder: compiling the 14-column insert cost more than running it.
    const runValues = (artifactUri: string) => [r.runId, r.name, experimentIdNumber, r.userId, r.startTime, artifactUri];
    if (this.caps.dialect === 'postgres') {
      // The insert is one statement (the runs insert as a data-modifying CTE, the tags from
      // arrays): atomic by itself, so no BEGIN/COMMIT round trips. SQLite has no DML in CTEs.
      // Between the read and the insert the experiment can only be deleted, which the foreign key
      // refuses; a soft delete in between is the same race as MLflow's own check-then-insert.
      const [row] = experimentIdNumber === undefined ? [] : await runStatement<ExperimentPlacementRow>(this.db, this.caps, SELECT_EXPERIMENT_PLACEMENT, [experimentIdNumber]);
      const artifactUri = place(row && toRunExperiment(row));
      // `place` accepted an experiment, so the row exists.
      const experimentId = String(row!.experiment_id);
      await this.db.executeQuery(
        rawQuery(
          `with r as (${INSERT_RUN_PG}) insert into tags (run_uuid, key, value) select $1, t.key, t.value from unnest($7::text[], $8::text[]) as t(key, value)`,
          [...runValues(artifactUri), tags.map((t) => t.key), tags.map((t) => t.value)],
        ),
      );
      return { experimentId, artifactUri, tags: sortedTags };
    }
    const placed = await runTransaction(this.db, this.caps, function* () {
      const [row] = experimentIdNumber === undefined ? [] : yield* query<ExperimentPlacementRow>(SELECT_EXPERIMENT_PLACEMENT, [experimentIdNumber]);
      const uri = place(row && toRunExperiment(row));
      yield* query(INSERT_RUN, runValues(uri));
      const params: unknown[] = [];
      for (const t of tags) params.push(r.runId, t.key, t.value);
      yield* query(`insert into tags (run_uuid, key, value) values ${valuesList(tags.length, 3)}`, params);
      return { experimentId: String(row!.experiment_id), artifactUri: uri };
    });
    return { ...placed, tags: sortedTags };
  }

  async getInfo(runId: string): Promise<StoredRunInfo | undefined> {
    // SQL text run as-is (not even the `sql` template's compile step): every logging call starts
    // with this lookup.
    const rows = await runStatement<RunRow>(this.db, this.caps, SELECT_RUN, [runId]);
    return rows[0] ? toRunInfo(rows[0]) : undefined;
  }

  /** Full runs (info, latest metrics, params, tags, inputs, outputs) in the order of `runIds`. */
  async load(runIds: string[]): Promise<Run[]> {
    if (runIds.length === 0) return [];
    const out: Run[] = [];
    // Chunks keep the IN lists well inside both drivers' bound-parameter limits.
    for (let i = 0; i < runIds.length; i += 500) out.push(...(await this.loadChunk(runIds.slice(i, i + 500))));
    return out;
  }

  private async loadChunk(runIds: string[]): Promise<Run[]> {
    const [rows, params, tags, metrics, io] = await Promise.all([
      this.db.selectFrom('runs').selectAll().where('run_uuid', 'in', runIds).execute(),
      this.db.selectFrom('params').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', runIds).orderBy('key').execute(),
      this.db.selectFrom('tags').select(['run_uuid', 'key', 'value']).where('run_uuid', 'in', runIds).orderBy('key').execute(),
      this.metrics.latestOf(runIds),
      readRunIo(this.db, runIds),
    ]);
    const byId = new Map<string, Run>();
    for (const row of rows) {
      const ioOf = io.get(row.run_uuid);
      byId.set(row.run_uuid, {
        info: toRunInfo(row),
        data: { metrics: metrics.get(row.run_uuid) ?? [], params: [], tags: [] },
        inputs: { datasetInputs: ioOf?.datasetInputs ?? [], modelInputs: ioOf?.modelInputs ?? [] },
        outputs: { modelOutputs: ioOf?.modelOutputs ?? [] },
      });
    }
    for (const p of params) byId.get(p.run_uuid)?.data.params.push({ key: p.key, value: p.value });
    for (const t of tags) byId.get(t.run_uuid)?.data.tags.push({ key: t.key, value: t.value ?? '' });
    return runIds.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined);
  }

  async search(q: RunSearch): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const page = await searchRunIds(this.db, this.caps, q);
    const runs = await this.load(page.runIds);
    return page.nextPageToken ? { runs, nextPageToken: page.nextPageToken } : { runs };
  }

  async update(runId: string, change: { status?: RunStatus; endTime?: number; name?: string }): Promise<void> {
    const set: Array<[column: string, value: unknown]> = [];
    if (change.status !== undefined) set.push(['status', change.status]);
    if (change.endTime !== undefined) set.push(['end_time', change.endTime]);
    if (change.name !== undefined) set.push(['name', change.name]);
    await runTransaction(this.db, this.caps, function* () {
      if (set.length > 0) {
        yield* query(`update runs set ${set.map(([c]) => `${c} = ?`).join(', ')} where run_uuid = ?`, [...set.map(([, v]) => v), runId]);
      }
      if (change.name !== undefined) yield* upsertTags(runId, [{ key: SYSTEM_TAGS.runName, value: change.name }]);
    });
  }

  async setLifecycle(runId: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('run_uuid', '=', runId)
      .execute();
  }

  /**
   * log-batch, log-metric, log-param and set-tag all land here: one transaction, so a batch is
   * stored whole or not at all. A param may be logged again only with the value it already has.
   * `accept` sees the run as the write finds it (undefined when there is none) and throws to
   * refuse the write; it returns the run written to.
   */
  async logData(runId: string, data: RunData, accept: (run: StoredRunInfo | undefined) => StoredRunInfo): Promise<void> {
    if (data.params.length === 0 && data.tags.length === 0 && this.metrics.canWriteAlone(data.metrics)) {
      // Metrics only (the training-loop case): one statement that also checks the run, no
      // transaction round trips. When it finds no active run, `accept` says why; should the run
      // have been restored in between, the write is simply tried again.
      while (!(await this.metrics.writeAlone(runId, data.metrics))) accept(await this.getInfo(runId));
      return;
    }
    const metrics = this.metrics;
    await runTransaction(this.db, this.caps, function* () {
      const [row] = yield* query<RunRow>(SELECT_RUN, [runId]);
      const run = accept(row ? toRunInfo(row) : undefined);
      yield* writeParams(run.runId, data.params);
      yield* upsertTags(run.runId, data.tags);
      yield* metrics.write(run.runId, run.experimentIdNumber, data.metrics);
    });
  }

  /** Returns false when the run has no such tag. */
  async deleteTag(runId: string, key: string): Promise<boolean> {
    const res = await this.db.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async logInputs(run: StoredRunInfo, datasets: DatasetInput[], models: ModelIo[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await writeDatasetInputs(tx, run.runId, run.experimentIdNumber, datasets);
      await writeModelEdges(tx, run.runId, models, 'input');
    });
  }

  async logOutputs(run: StoredRunInfo, models: ModelIo[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => writeModelEdges(tx, run.runId, models, 'output'));
  }
}

const SELECT_RUN = 'select * from runs where run_uuid = ?';

const SELECT_EXPERIMENT_PLACEMENT = 'select experiment_id, artifact_location, lifecycle_stage from experiments where experiment_id = ?';
type ExperimentPlacementRow = Pick<Selectable<Database['experiments']>, 'experiment_id' | 'artifact_location' | 'lifecycle_stage'>;

function toRunExperiment(r: ExperimentPlacementRow): RunExperiment {
  return { experimentId: String(r.experiment_id), artifactLocation: r.artifact_location ?? '', lifecycleStage: r.lifecycle_stage };
}

/** A new run: RUNNING, active, no source fields; parameters are id, name, experiment, user, start, artifact URI. */
const INSERT_RUN_COLUMNS =
  'insert into runs (run_uuid, name, experiment_id, user_id, start_time, artifact_uri, status, end_time, deleted_time, source_type, source_name, entry_point_name, source_version, lifecycle_stage)';
const INSERT_RUN_CONSTANTS = "'RUNNING', null, null, 'UNKNOWN', '', '', '', 'active'";
const INSERT_RUN = `${INSERT_RUN_COLUMNS} values (?, ?, ?, ?, ?, ?, ${INSERT_RUN_CONSTANTS})`;
const INSERT_RUN_PG = `${INSERT_RUN_COLUMNS} values ($1, $2, $3, $4, $5, $6, ${INSERT_RUN_CONSTANTS})`;

/** The run name as its tag; for a key given twice the last value wins, as when set one by one. */
function withRunNameTag(tags: Tag[], name: string): Tag[] {
  const byKey = new Map(tags.filter((t) => t.key !== SYSTEM_TAGS.runName).map((t) => [t.key, t.value]));
  byKey.set(SYSTEM_TAGS.runName, name);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

type RunRow = Selectable<Database['runs']>;

function toRunInfo(r: RunRow): StoredRunInfo {
  return {
    runId: r.run_uuid,
    runName: r.name ?? '',
    experimentId: String(r.experiment_id),
    experimentIdNumber: Number(r.experiment_id),
    userId: r.user_id ?? '',
    status: r.status as RunStatus,
    startTime: r.start_time === null ? null : Number(r.start_time),
    endTime: r.end_time === null ? null : Number(r.end_time),
    artifactUri: r.artifact_uri ?? '',
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}
