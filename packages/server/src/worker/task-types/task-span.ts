import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import { isAppError } from '../../errors.js';
import { ATTR, OPERATIONS } from '../../telemetry/attribute-names.js';
import { parseTraceParent } from '../../telemetry/traceparent.js';
import type { AttemptRequest } from '../../services/pipelines/task-executor.js';

export type StepAttributes = Record<string, string | number | boolean | undefined>;

/** What a step sees of its span: attributes learnt while it runs (the resolved version, rows scored). */
export interface StepSpan {
  setAttributes(attributes: StepAttributes): void;
  /** The step ran but its outcome is a failure (a gate that blocks): the span ends with ERROR and this message. */
  markFailed(message: string): void;
}

/**
 * Runs `fn` as a span named `name`, a child of the attempt's span. A thrown error is recorded as
 * the span's exception and rethrown.
 */
export type TraceStep = <T>(name: string, attributes: StepAttributes, fn: (span: StepSpan) => Promise<T>) => Promise<T>;

function defined(attributes: StepAttributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}

/** Runs the step untraced: a process without a tracer, or an attempt that was given no TRACEPARENT. */
export const untracedStep: TraceStep = (_name, _attributes, fn) => fn({ setAttributes: () => {}, markFailed: () => {} });

/**
 * Steps of an in-process attempt, parented to the attempt span whose id the runner put in the
 * attempt's TRACEPARENT (the same variable a command task's process gets): the attempt span is
 * written only when the attempt ends, so its id, not a live span object, is what there is to join.
 */
export function attemptStepTracer(tracer: Tracer | undefined, request: AttemptRequest): TraceStep {
  const parent = parseTraceParent(request.env.TRACEPARENT);
  if (!tracer || !parent) return untracedStep;
  const parentContext: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  const common = defined({
    [ATTR.operation]: OPERATIONS.taskStep,
    [ATTR.jobRunId]: request.jobRunId,
    [ATTR.taskKey]: request.taskKey,
    [ATTR.taskType]: request.task.type,
    [ATTR.attemptId]: request.attemptId,
    [ATTR.runId]: request.env.MLFLOW_RUN_ID,
    [ATTR.experimentId]: request.env.MLFLOW_EXPERIMENT_ID,
  });
  return async (name, attributes, fn) => {
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: { ...common, ...defined(attributes) } }, parentContext);
    let failed: string | undefined;
    try {
      const out = await fn({ setAttributes: (a) => span.setAttributes(defined(a)), markFailed: (message) => (failed = message) });
      span.setStatus(failed === undefined ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: failed });
      return out;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      span.recordException({ name: isAppError(e) ? e.constructor.name : err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) });
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw e;
    } finally {
      span.end();
    }
  };
}
