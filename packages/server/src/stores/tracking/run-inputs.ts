import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { newRowId } from '../../domain/row-ids.js';
import type { DatasetInput, ModelIo } from '../../domain/tracking.js';

type Db = Kysely<Database> | Transaction<Database>;


/**
 * Run inputs and outputs live in MLflow's edge table `inputs`: DATASET→RUN for log-inputs
 * (datasets are shared per experiment by name and digest), MODEL→RUN for model inputs and
 * RUN→MODEL for MLflow 3's log-outputs.
 */
export async function writeDatasetInputs(tx: Db, runId: string, experimentId: number, inputs: DatasetInput[]): Promise<void> {
  for (const input of inputs) {
    const d = input.dataset;
    await tx
      .insertInto('datasets')
      .values({
        dataset_uuid: newRowId(),
        experiment_id: experimentId,
        name: d.name,
        digest: d.digest,
        dataset_source_type: d.sourceType,
        dataset_source: d.source,
        dataset_schema: d.schema ?? null,
        dataset_profile: d.profile ?? null,
      })
      .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
      .execute();
    const dataset = await tx
      .selectFrom('datasets')
      .select('dataset_uuid')
      .where('experiment_id', '=', experimentId)
      .where('name', '=', d.name)
      .where('digest', '=', d.digest)
      .executeTakeFirstOrThrow();
    const existing = await tx
      .selectFrom('inputs')
      .select('input_uuid')
      .where('source_type', '=', 'DATASET')
      .where('source_id', '=', dataset.dataset_uuid)
      .where('destination_type', '=', 'RUN')
      .where('destination_id', '=', runId)
      .executeTakeFirst();
    // Logging the same dataset twice keeps one edge, as MLflow does; its tags are not rewritten.
    if (existing) continue;
    const inputUuid = newRowId();
    await tx
      .insertInto('inputs')
      .values({ input_uuid: inputUuid, source_type: 'DATASET', source_id: dataset.dataset_uuid, destination_type: 'RUN', destination_id: runId, step: 0 })
      .execute();
    if (input.tags.length > 0) {
      await tx
        .insertInto('input_tags')
        .values(input.tags.map((t) => ({ input_uuid: inputUuid, name: t.key, value: t.value })))
        .execute();
    }
  }
}

/** MODEL→RUN (inputs) or RUN→MODEL (outputs) edges; repeated logging is idempotent. */
export async function writeModelEdges(tx: Db, runId: string, models: ModelIo[], direction: 'input' | 'output'): Promise<void> {
  for (const m of models) {
    const edge =
      direction === 'input'
        ? { source_type: 'MODEL', source_id: m.modelId, destination_type: 'RUN', destination_id: runId }
        : { source_type: 'RUN', source_id: runId, destination_type: 'MODEL', destination_id: m.modelId };
    await tx
      .insertInto('inputs')
      .values({ input_uuid: newRowId(), ...edge, step: m.step ?? 0 })
      .onConflict((oc) => oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing())
      .execute();
  }
}

export interface RunIo {
  datasetInputs: DatasetInput[];
  modelInputs: ModelIo[];
  modelOutputs: ModelIo[];
}

/** Inputs and outputs of the given runs, keyed by run id. */
export async function readRunIo(db: Db, runIds: string[]): Promise<Map<string, RunIo>> {
  const out = new Map<string, RunIo>();
  if (runIds.length === 0) return out;
  const get = (id: string): RunIo => {
    let io = out.get(id);
    if (!io) {
      io = { datasetInputs: [], modelInputs: [], modelOutputs: [] };
      out.set(id, io);
    }
    return io;
  };
  const datasetRows = await db
    .selectFrom('inputs')
    .innerJoin('datasets', 'datasets.dataset_uuid', 'inputs.source_id')
    .select([
      'inputs.input_uuid',
      'inputs.destination_id',
      'datasets.name',
      'datasets.digest',
      'datasets.dataset_source_type',
      'datasets.dataset_source',
      'datasets.dataset_schema',
      'datasets.dataset_profile',
    ])
    .where('inputs.source_type', '=', 'DATASET')
    .where('inputs.destination_type', '=', 'RUN')
    .where('inputs.destination_id', 'in', runIds)
    .orderBy('datasets.name')
    .execute();
  const tagRows =
    datasetRows.length === 0
      ? []
      : await db
          .selectFrom('input_tags')
          .select(['input_uuid', 'name', 'value'])
          .where('input_uuid', 'in', datasetRows.map((r) => r.input_uuid))
          .execute();
  const tagsByInput = new Map<string, Array<{ key: string; value: string }>>();
  for (const t of tagRows) {
    const list = tagsByInput.get(t.input_uuid) ?? [];
    list.push({ key: t.name, value: t.value });
    tagsByInput.set(t.input_uuid, list);
  }
  for (const r of datasetRows) {
    get(r.destination_id).datasetInputs.push({
      dataset: {
        name: r.name,
        digest: r.digest,
        sourceType: r.dataset_source_type,
        source: r.dataset_source,
        ...(r.dataset_schema !== null ? { schema: r.dataset_schema } : {}),
        ...(r.dataset_profile !== null ? { profile: r.dataset_profile } : {}),
      },
      tags: tagsByInput.get(r.input_uuid) ?? [],
    });
  }
  const modelInputs = await db
    .selectFrom('inputs')
    .select(['source_id', 'destination_id'])
    .where('source_type', '=', 'MODEL')
    .where('destination_type', '=', 'RUN')
    .where('destination_id', 'in', runIds)
    .execute();
  for (const r of modelInputs) get(r.destination_id).modelInputs.push({ modelId: r.source_id });
  const modelOutputs = await db
    .selectFrom('inputs')
    .select(['source_id', 'destination_id', 'step'])
    .where('source_type', '=', 'RUN')
    .where('destination_type', '=', 'MODEL')
    .where('source_id', 'in', runIds)
    .execute();
  for (const r of modelOutputs) get(r.source_id).modelOutputs.push({ modelId: r.destination_id, step: Number(r.step) });
  return out;
}
