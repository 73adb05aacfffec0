/**
 * Kysely table types of serving endpoints (migration 005). The endpoint's configuration (served
 * models, traffic split, inference log) is one JSON document written by stores/serving only:
 * it is always read and replaced whole.
 */
export interface ServingEndpointsTable {
  name: string;
  description: string | null;
  config_json: string;
  creation_time: number;
  last_updated_time: number;
}

export interface ServingTables {
  serving_endpoints: ServingEndpointsTable;
}
