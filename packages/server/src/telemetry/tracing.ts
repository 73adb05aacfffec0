import type { Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { MODELYARD_VERSION } from '../version.js';
import { ATTR, OPERATIONS } from './attribute-names.js';
import type { SpanSink } from './span-record.js';
import { StoreSpanProcessor } from './store-span-processor.js';
import { SeededIdGenerator } from './trace-ids.js';

export interface TracingOptions {
  logger: Logger;
  serviceName?: string;
  serviceVersion?: string;
  /** The server's span store; without it spans only go to the exporters. */
  sink?: SpanSink;
  /**
   * OTLP/HTTP collector: a base URL (`http://collector:4318`, spans go to `<base>/v1/traces`, as
   * OTEL_EXPORTER_OTLP_ENDPOINT means) or a full URL ending in `/v1/traces`.
   */
  otlpEndpoint?: string;
  /** Application Insights connection string: spans are exported to Azure Monitor too. */
  azureMonitorConnectionString?: string;
  /** `cloud_RoleName` of every span sent to Azure Monitor; default: the job's name, else the service name. */
  azureMonitorRoleName?: string;
  /** Replaces the store's default filter (see `storesSpan`). */
  keepInStore?: (span: ReadableSpan) => boolean;
  /** Delay before queued spans are written to the store. */
  storeFlushDelayMs?: number;
}

/** The process's tracer and the means to start spans with chosen ids. Made by the composition root. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Whether spans leave the process (OTLP, Azure Monitor), not only reach the store. */
  readonly exporting: boolean;
  /** Starts a span with the given ids (see SeededIdGenerator). */
  withIds<T>(ids: { traceId?: string; spanId: string }, start: () => T): T;
  /** Every span ended so far is written and exported. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops. Call before closing the database. */
  shutdown(): Promise<void>;
}

export function otlpTracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Which spans the database keeps: everything but HTTP requests that start their own trace and
 * succeed. A training loop logs thousands of metrics a second; storing a row per request would
 * double the store's write load for spans nobody looks for. Requests that join a trace (a task
 * process passing `traceparent`) and server errors are kept; exporters receive every span.
 */
export function storesSpan(span: ReadableSpan): boolean {
  if (span.attributes[ATTR.operation] !== OPERATIONS.httpRequest) return true;
  return span.parentSpanContext !== undefined || span.status.code === 2;
}

/** Builds the tracer provider and its processors. Registers nothing globally. */
export async function createTracing(opts: TracingOptions): Promise<Tracing> {
  const processors: SpanProcessor[] = [];
  if (opts.sink) {
    processors.push(
      new StoreSpanProcessor({
        sink: opts.sink,
        logger: opts.logger,
        keep: opts.keepInStore ?? storesSpan,
        ...(opts.storeFlushDelayMs !== undefined ? { flushDelayMs: opts.storeFlushDelayMs } : {}),
      }),
    );
  }
  const exporters: Array<[string, SpanExporter]> = [];
  if (opts.otlpEndpoint) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    exporters.push(['otlp', new OTLPTraceExporter({ url: otlpTracesUrl(opts.otlpEndpoint) })]);
  }
  if (opts.azureMonitorConnectionString) {
    // Loaded only when configured: the Azure SDK adds noticeably to start-up time.
    const [{ AzureMonitorTraceExporter }, { AppInsightsSpanExporter }] = await Promise.all([import('@azure/monitor-opentelemetry-exporter'), import('./app-insights-span-exporter.js')]);
    const azure = new AzureMonitorTraceExporter({ connectionString: opts.azureMonitorConnectionString });
    exporters.push(['azure-monitor', new AppInsightsSpanExporter(azure, { roleName: opts.azureMonitorRoleName })]);
  }
  for (const [, exporter] of exporters) processors.push(new BatchSpanProcessor(exporter));
  const ids = new SeededIdGenerator();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName ?? 'modelyard',
      ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    }),
    idGenerator: ids,
    spanProcessors: processors,
  });
  if (exporters.length > 0) opts.logger.info({ exporters: exporters.map(([name]) => name) }, 'exporting traces');
  let shutDown: Promise<void> | undefined;
  return {
    tracer: provider.getTracer('modelyard', opts.serviceVersion),
    exporting: exporters.length > 0,
    withIds: (given, start) => ids.withIds(given, start),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => (shutDown ??= provider.shutdown().catch((err: unknown) => opts.logger.warn({ err }, 'could not shut tracing down cleanly'))),
  };
}

/** The exporters the process's configuration asks for. */
export function tracingOptionsFromConfig(
  config: Pick<Config, 'otlpEndpoint' | 'applicationInsightsConnectionString' | 'applicationInsightsRoleName'>,
): Pick<TracingOptions, 'otlpEndpoint' | 'azureMonitorConnectionString' | 'azureMonitorRoleName' | 'serviceVersion'> {
  return {
    serviceVersion: MODELYARD_VERSION,
    ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
    ...(config.applicationInsightsConnectionString ? { azureMonitorConnectionString: config.applicationInsightsConnectionString } : {}),
    ...(config.applicationInsightsRoleName ? { azureMonitorRoleName: config.applicationInsightsRoleName } : {}),
  };
}
