import type { Kysely, Selectable } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/driver-errors.js';
import type { Database } from '../../db/schema.js';
import type { ServingEndpointsTable } from '../../db/schema-serving.js';

/** One model an endpoint serves: a name within the endpoint and the model URI it follows. */
export interface ServedModelConfig {
  name: string;
  /** Usually a moving URI (`models:/x@champion`, `models:/x/Production`): the endpoint follows it. */
  modelUri: string;
  /**
   * A central registry server that `models:/` URIs resolve in, set by a pipeline `deploy` task whose
   * project names one (workspace.registry_uri); absent: this server's own registry.
   */
  registryUri?: string;
}

/** Share of requests routed to one served model, in percent. */
export interface TrafficRoute {
  servedModelName: string;
  percentage: number;
}

export interface ServingEndpointConfig {
  servedModels: ServedModelConfig[];
  /** Percentages summing to 100, one route per served model that takes traffic. */
  traffic: TrafficRoute[];
  /** Append every request and response to the endpoint's JSONL inference log. */
  inferenceLog: boolean;
}

export interface ServingEndpointRecord {
  name: string;
  description?: string;
  config: ServingEndpointConfig;
  creationTime: number;
  lastUpdatedTime: number;
}

function toRecord(row: Selectable<ServingEndpointsTable>): ServingEndpointRecord {
  return {
    name: row.name,
    ...(row.description !== null ? { description: row.description } : {}),
    config: JSON.parse(row.config_json) as ServingEndpointConfig,
    creationTime: Number(row.creation_time),
    lastUpdatedTime: Number(row.last_updated_time),
  };
}

/** Serving endpoints' configurations; the loaded models live in the serving service, not here. */
export class ServingEndpointStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly caps: DbCaps,
  ) {}

  /** Inserts a new endpoint; false when the name is taken. */
  async create(e: { name: string; description?: string; config: ServingEndpointConfig }, now: number): Promise<boolean> {
    try {
      await this.db
        .insertInto('serving_endpoints')
        .values({ name: e.name, description: e.description ?? null, config_json: JSON.stringify(e.config), creation_time: now, last_updated_time: now })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Replaces the configuration (and the description when given); false when there is no such endpoint. */
  async update(name: string, change: { description?: string; config: ServingEndpointConfig }, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('serving_endpoints')
      .set({
        config_json: JSON.stringify(change.config),
        last_updated_time: now,
        ...(change.description !== undefined ? { description: change.description } : {}),
      })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Creates or replaces the endpoint, keeping its creation time. */
  async upsert(e: { name: string; description?: string; config: ServingEndpointConfig }, now: number): Promise<void> {
    const configJson = JSON.stringify(e.config);
    await this.db
      .insertInto('serving_endpoints')
      .values({ name: e.name, description: e.description ?? null, config_json: configJson, creation_time: now, last_updated_time: now })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          config_json: configJson,
          last_updated_time: now,
          ...(e.description !== undefined ? { description: e.description } : {}),
        }),
      )
      .execute();
  }

  async get(name: string): Promise<ServingEndpointRecord | undefined> {
    const row = await this.db.selectFrom('serving_endpoints').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(): Promise<ServingEndpointRecord[]> {
    const rows = await this.db.selectFrom('serving_endpoints').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  /** False when there was no such endpoint. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('serving_endpoints').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
