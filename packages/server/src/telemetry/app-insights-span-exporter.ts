import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { cloudRoleOfSpan, dimensionsOfSpan } from './app-insights-dimensions.js';
import { CloudRoleResources } from './cloud-role-resource.js';

/**
 * Puts spans in the shape the seeds' Application Insights queries expect, in front of the Azure
 * Monitor exporter:
 *  - `mlflow_run_id`, `mlflow_experiment_id`, `job_run_id`, `task_key` beside the dotted
 *    attributes (customDimensions keep attribute names verbatim);
 *  - the same dimensions on `exception` events: the exporter turns each into an `exceptions`
 *    row whose customDimensions come from the event's attributes alone, not its span's;
 *  - a stack on exceptions that have none: the exporter writes the text "undefined" otherwise;
 *  - `service.name` (→ `cloud_RoleName`) set to the job's name, or the configured role.
 * The spans themselves are not changed: the store and other exporters see them as they were.
 */
export class AppInsightsSpanExporter implements SpanExporter {
  private readonly resources = new CloudRoleResources();

  constructor(
    private readonly inner: SpanExporter,
    private readonly opts: { roleName?: string | undefined } = {},
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(
      spans.map((s) => this.shape(s)),
      resultCallback,
    );
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private shape(span: ReadableSpan): ReadableSpan {
    const dims = dimensionsOfSpan(span.attributes);
    const resource = this.resources.of(span.resource, cloudRoleOfSpan(span.attributes, this.opts.roleName));
    const hasDims = Object.keys(dims).length > 0;
    const hasException = span.events.some((e) => e.name === 'exception');
    if (!hasDims && !hasException && resource === span.resource) return span;
    return {
      name: span.name,
      kind: span.kind,
      spanContext: () => span.spanContext(),
      ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: hasDims ? { ...span.attributes, ...dims } : span.attributes,
      links: span.links,
      events: hasException ? span.events.map((e) => (e.name === 'exception' ? exceptionEvent(e, dims) : e)) : span.events,
      duration: span.duration,
      ended: span.ended,
      resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  }
}

function exceptionEvent(event: TimedEvent, dims: Attributes): TimedEvent {
  const attributes: Attributes = { ...dims, ...event.attributes };
  if (attributes['exception.stacktrace'] === undefined) {
    const type = attributes['exception.type'];
    const message = attributes['exception.message'];
    attributes['exception.stacktrace'] = [type, message].filter((v) => v !== undefined && v !== '').join(': ') || 'exception';
  }
  return { ...event, attributes };
}
