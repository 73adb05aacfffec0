/**
 * Kysely table types of stored trace spans (migration 006), written and read by
 * stores/telemetry/span-store only. Times are epoch microseconds.
 */
export interface TraceSpansTable {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  start_time_us: number;
  end_time_us: number;
  status_code: string;
  status_message: string | null;
  service_name: string | null;
  operation: string | null;
  job_run_id: number | null;
  job_key: string | null;
  task_key: string | null;
  mlflow_run_id: string | null;
  mlflow_experiment_id: string | null;
  attributes_json: string;
  events_json: string | null;
}

export interface TelemetryTables {
  trace_spans: TraceSpansTable;
}
