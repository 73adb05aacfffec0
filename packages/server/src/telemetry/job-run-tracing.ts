import type { JobRunRecord } from '../domain/pipelines/job-records.js';
import type { TaskSpec } from '../domain/pipelines/project-model.js';
import type { AttemptTrigger, JobRunState } from '../domain/pipelines/run-states.js';

export interface AttemptTraceInput {
  run: JobRunRecord;
  task: TaskSpec;
  attemptId: number;
  attemptNumber: number;
  trigger: AttemptTrigger;
  /** When the attempt was handed to its executor (epoch ms). */
  startTime: number;
  /** The server task processes log to; their spans can be posted to `<it>/v1/traces`. */
  trackingUri?: string | undefined;
  /**
   * The attempt's output files: their lines are exported as log records while it runs, and a
   * failure's exception carries what it wrote last on stderr.
   */
  logFiles?: { stdoutPath: string; stderrPath: string } | undefined;
}

export interface AttemptTraceEnd {
  state: string;
  message: string;
  exitCode?: number | null;
  signal?: string | null;
  endTime: number;
  /** The task type's result (a promote's model version, an evaluation). */
  result?: unknown;
}

/** The span of one running attempt. */
export interface AttemptTrace {
  readonly traceId: string;
  readonly spanId: string;
  /** Variables for the attempt's process: `TRACEPARENT`, so its own spans join the job run's trace. */
  readonly env: Record<string, string>;
  end(outcome: AttemptTraceEnd): void;
}

/**
 * What the job runner tells the tracing about (telemetry/job-run-tracer implements it). Optional
 * to the runner: without it nothing is traced and nothing else changes. Every method is
 * synchronous and never throws into the runner.
 */
export interface JobRunTracing {
  /** Correlation fields for the run's log lines (`trace_id`, `span_id`, `run_id`, `experiment_id`, `job_name`). */
  logFields(run: JobRunRecord): Record<string, string | number>;
  startAttempt(input: AttemptTraceInput): AttemptTrace;
  /** An attempt found unfinished when a run is recovered: its span is written now, ended as given. */
  recordLostAttempt(input: AttemptTraceInput, end: AttemptTraceEnd): void;
  /** Writes the run's root span (again after a repair: the store keeps the latest copy). */
  endRun(run: JobRunRecord, state: JobRunState, message: string | null, endTime: number): void;
}
