import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { JobRunRecord } from '../domain/pipelines/job-records.js';
import type { TaskSpec } from '../domain/pipelines/project-model.js';
import type { JobRunState } from '../domain/pipelines/run-states.js';
import { DIMENSIONS } from './app-insights-dimensions.js';
import { AttemptLogForwarder, severityOfTaskLine } from './attempt-log-forwarder.js';
import { ATTR, OPERATIONS } from './attribute-names.js';
import { failureOutput } from './failure-output.js';
import type { AttemptTrace, AttemptTraceEnd, AttemptTraceInput, JobRunTracing } from './job-run-tracing.js';
import type { LogExport } from './log-export.js';
import { modelUriAttributes, resultModelAttributes } from './model-uri-attributes.js';
import { attemptSpanId, jobRunTraceIds } from './trace-ids.js';
import { formatTraceParent } from './traceparent.js';
import type { Tracing } from './tracing.js';

const SUCCESSFUL_RUN_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES']);

function taskModelUri(task: TaskSpec): string | undefined {
  switch (task.type) {
    case 'evaluate':
      return task.evaluate.challengerModelUri;
    case 'promote':
      return task.promote.modelUri;
    case 'batch_score':
      return task.batchScore.modelUri;
    case 'deploy':
      return task.deploy.modelUri;
    default:
      return undefined;
  }
}

function runAttributes(run: JobRunRecord): Attributes {
  const def = run.definition;
  return {
    [ATTR.jobId]: run.jobId,
    [ATTR.jobKey]: def.job.key,
    [ATTR.jobName]: def.job.name,
    [ATTR.jobRunId]: run.jobRunId,
    [ATTR.project]: def.projectName,
    ...(def.target !== undefined ? { [ATTR.target]: def.target } : {}),
    ...(run.mlflowRunId ? { [ATTR.runId]: run.mlflowRunId } : {}),
    ...(run.mlflowExperimentId ? { [ATTR.experimentId]: run.mlflowExperimentId } : {}),
  };
}

export interface JobRunTracerOptions {
  /** Where task output lines go as log records (Application Insights traces, OTLP logs). */
  logs?: LogExport | undefined;
  /** The configured cloud role; task processes get it (else the job's name) as OTEL_SERVICE_NAME. */
  roleName?: string | undefined;
}

/**
 * Turns job runs into traces: one trace per run (ids derived from the run, see trace-ids), a root
 * span for the run written when it ends, and a span per task attempt under it. Every attempt's
 * process gets `TRACEPARENT` naming its attempt span, so spans it makes (and posts to the
 * server's `/v1/traces`, or to any collector) hang under the attempt.
 */
export class JobRunTracer implements JobRunTracing {
  constructor(
    private readonly tracing: Tracing,
    private readonly logger: Logger,
    private readonly opts: JobRunTracerOptions = {},
  ) {}

  logFields(run: JobRunRecord): Record<string, string | number> {
    const { traceId, rootSpanId } = jobRunTraceIds(run);
    // span_id: the run's lines belong to its root span, so an exported line has an operation id.
    return {
      trace_id: traceId,
      span_id: rootSpanId,
      job_name: run.definition.job.name,
      ...(run.mlflowRunId ? { run_id: run.mlflowRunId } : {}),
      ...(run.mlflowExperimentId ? { experiment_id: run.mlflowExperimentId } : {}),
    };
  }

  startAttempt(input: AttemptTraceInput): AttemptTrace {
    try {
      return this.traceAttempt(input);
    } catch (err) {
      // Tracing never stops a task from running.
      this.logger.warn({ err, job_run_id: input.run.jobRunId, task_key: input.task.taskKey }, 'could not start a task attempt span');
      return { traceId: '', spanId: '', env: {}, end: () => {} };
    }
  }

  private traceAttempt(input: AttemptTraceInput): AttemptTrace {
    const { traceId, rootSpanId } = jobRunTraceIds(input.run);
    const spanId = attemptSpanId(traceId, input.attemptId);
    const span = this.startAttemptSpan(input, traceId, rootSpanId, spanId);
    const log = this.attemptLogger(input, traceId, spanId);
    log.debug({ attempt: input.attemptNumber, trigger: input.trigger }, 'task attempt started');
    const env: Record<string, string> = { TRACEPARENT: formatTraceParent({ traceId, spanId, sampled: true }) };
    if (input.trackingUri) env.MODELYARD_OTLP_TRACES_ENDPOINT = `${input.trackingUri.replace(/\/+$/, '')}/v1/traces`;
    // A task's own OpenTelemetry / Azure Monitor SDK then reports under the job's cloud role too,
    // unless the task names a service itself.
    if (!(input.task.type === 'command' && input.task.command.env.OTEL_SERVICE_NAME !== undefined)) {
      env.OTEL_SERVICE_NAME = this.opts.roleName ?? input.run.definition.job.name;
    }
    const output = this.forwardOutput(input, traceId, spanId);
    let ended = false;
    return {
      traceId,
      spanId,
      env,
      end: (outcome) => {
        if (ended) return;
        ended = true;
        this.finishAttemptSpan(span, outcome, log, input.logFiles?.stderrPath);
        output?.(outcome.endTime);
      },
    };
  }

  /**
   * Exports the attempt's output lines as log records, with the run's dimensions and the attempt
   * span as their operation. Returns what ends it (one last read of the files).
   */
  private forwardOutput(input: AttemptTraceInput, traceId: string, spanId: string): ((endTime: number) => void) | undefined {
    const logs = this.opts.logs;
    const files = input.logFiles;
    if (!logs || !files) return undefined;
    const { run, task } = input;
    const attributes = {
      [DIMENSIONS.jobRunId]: run.jobRunId,
      [DIMENSIONS.taskKey]: task.taskKey,
      [DIMENSIONS.jobKey]: run.definition.job.key,
      [DIMENSIONS.jobName]: run.definition.job.name,
      attempt: input.attemptNumber,
      ...(run.mlflowRunId ? { [DIMENSIONS.runId]: run.mlflowRunId } : {}),
      ...(run.mlflowExperimentId ? { [DIMENSIONS.experimentId]: run.mlflowExperimentId } : {}),
    };
    const forwarder = new AttemptLogForwarder({
      files: [
        { path: files.stdoutPath, stream: 'stdout' },
        { path: files.stderrPath, stream: 'stderr' },
      ],
      emit: (line, stream, time) => logs.emit({ body: line, severity: severityOfTaskLine(line, stream), time, attributes: { ...attributes, 'log.iostream': stream }, traceId, spanId }),
      active: () => !logs.closed,
    });
    forwarder.start();
    return (endTime) => {
      const finished = forwarder.finish(endTime).then(({ exported, capped }) => {
        if (!capped) return;
        const body = `modelyard: only the first ${exported} lines of this attempt's output were exported; all of it is in ${files.stdoutPath} and ${files.stderrPath}`;
        logs.emit({ body, severity: 'warn', time: endTime, attributes, traceId, spanId });
      });
      logs.track(finished);
    };
  }

  recordLostAttempt(input: AttemptTraceInput, end: AttemptTraceEnd): void {
    try {
      const { traceId, rootSpanId } = jobRunTraceIds(input.run);
      const spanId = attemptSpanId(traceId, input.attemptId);
      const span = this.startAttemptSpan(input, traceId, rootSpanId, spanId);
      this.finishAttemptSpan(span, end, this.attemptLogger(input, traceId, spanId), undefined);
    } catch (err) {
      this.logger.warn({ err, job_run_id: input.run.jobRunId, task_key: input.task.taskKey }, 'could not record a lost attempt span');
    }
  }

  endRun(run: JobRunRecord, state: JobRunState, message: string | null, endTime: number): void {
    try {
      const { traceId, rootSpanId } = jobRunTraceIds(run);
      const span = this.tracing.withIds({ traceId, spanId: rootSpanId }, () =>
        this.tracing.tracer.startSpan(
          `job ${run.definition.job.key}`,
          {
            kind: SpanKind.INTERNAL,
            root: true,
            startTime: run.startTime ?? run.queuedTime,
            attributes: {
              ...runAttributes(run),
              [ATTR.operation]: OPERATIONS.jobRun,
              [ATTR.trigger]: run.trigger,
              [ATTR.state]: state,
              ...(run.repairCount > 0 ? { [ATTR.repairCount]: run.repairCount } : {}),
            },
          },
          ROOT_CONTEXT,
        ),
      );
      if (SUCCESSFUL_RUN_STATES.has(state)) span.setStatus({ code: SpanStatusCode.OK });
      else span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? state });
      span.end(Math.max(endTime, run.startTime ?? run.queuedTime));
    } catch (err) {
      this.logger.warn({ err, job_run_id: run.jobRunId }, 'could not record the job run span');
    }
  }

  private startAttemptSpan(input: AttemptTraceInput, traceId: string, rootSpanId: string, spanId: string): Span {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: rootSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    return this.tracing.withIds({ spanId }, () =>
      this.tracing.tracer.startSpan(
        `task ${input.task.taskKey}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: input.startTime,
          attributes: {
            ...runAttributes(input.run),
            [ATTR.operation]: OPERATIONS.taskAttempt,
            [ATTR.taskKey]: input.task.taskKey,
            [ATTR.taskType]: input.task.type,
            [ATTR.attemptNumber]: input.attemptNumber,
            [ATTR.attemptId]: input.attemptId,
            [ATTR.attemptTrigger]: input.trigger,
            ...modelUriAttributes(taskModelUri(input.task)),
          },
        },
        parent,
      ),
    );
  }

  private finishAttemptSpan(span: Span, outcome: AttemptTraceEnd, log: Logger, stderrPath: string | undefined): void {
    try {
      span.setAttribute(ATTR.state, outcome.state);
      if (outcome.exitCode !== undefined && outcome.exitCode !== null) span.setAttribute(ATTR.exitCode, outcome.exitCode);
      if (outcome.signal) span.setAttribute(ATTR.signal, outcome.signal);
      span.setAttributes(resultModelAttributes(outcome.result));
      if (outcome.state === 'SUCCESS') {
        span.setStatus({ code: SpanStatusCode.OK });
        log.info({ state: outcome.state }, 'task attempt ended');
      } else {
        // An `exception` event, as OpenTelemetry records failures: Application Insights lists it
        // under exceptions with the operation id of the job run. Its stack is what the process
        // wrote last on stderr (a Python traceback, typically).
        const stack = stderrPath ? failureOutput(stderrPath) : undefined;
        span.recordException({ name: `Task${outcome.state.charAt(0)}${outcome.state.slice(1).toLowerCase()}`, message: outcome.message, ...(stack ? { stack } : {}) }, outcome.endTime);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
        log.warn({ state: outcome.state, exit_code: outcome.exitCode ?? undefined, reason: outcome.message }, 'task attempt did not succeed');
      }
      span.end(outcome.endTime);
    } catch (err) {
      this.logger.warn({ err }, 'could not record a task attempt span');
    }
  }

  private attemptLogger(input: AttemptTraceInput, traceId: string, spanId: string): Logger {
    return this.logger.child({
      trace_id: traceId,
      span_id: spanId,
      job_run_id: input.run.jobRunId,
      job_name: input.run.definition.job.name,
      task_key: input.task.taskKey,
      attempt: input.attemptNumber,
      ...(input.run.mlflowRunId ? { run_id: input.run.mlflowRunId } : {}),
      ...(input.run.mlflowExperimentId ? { experiment_id: input.run.mlflowExperimentId } : {}),
    });
  }
}
