import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/config.js';
import { MODELYARD_VERSION } from '../version.js';

export type LogSeverity = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** OpenTelemetry's severity numbers (the first of each range), which Azure Monitor maps to severityLevel. */
const SEVERITY_NUMBER: Record<LogSeverity, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** Application Insights keeps 32 768 characters of a message; a longer body only costs the upload. */
const MAX_BODY_CHARS = 32_768;

/** One log record leaving the process. */
export interface ExportedLog {
  body: string;
  severity: LogSeverity;
  /** Epoch ms; now when absent. */
  time?: number;
  /** Dimensions (Application Insights customDimensions, OTLP attributes). */
  attributes: Attributes;
  /** The span it happened in: Application Insights' operation_Id and operation_ParentId. */
  traceId?: string;
  spanId?: string;
}

/** Log records to OTLP and/or Azure Monitor. Made by the composition root; nothing global. */
export interface LogExport {
  emit(log: ExportedLog): void;
  /** Work still producing records (a task's log file being read): forceFlush waits for it first. */
  track(work: Promise<unknown>): void;
  /** Every record emitted so far (and by tracked work) is exported. */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Shut down: records are no longer taken (what still reads files for it can stop). */
  readonly closed: boolean;
}

export interface LogExportOptions {
  serviceName?: string;
  serviceVersion?: string;
  /** OTLP/HTTP collector: a base URL (records go to `<base>/v1/logs`) or a full `/v1/logs` URL. */
  otlpEndpoint?: string;
  azureMonitorConnectionString?: string;
  /** `cloud_RoleName` of every record sent to Azure Monitor; default: the job's name, else the service name. */
  azureMonitorRoleName?: string;
}

/**
 * Where OTLP log records go. The one setting names the collector for traces and logs, as
 * OTEL_EXPORTER_OTLP_ENDPOINT does; a URL given for traces (`…/v1/traces`) names its collector.
 */
export function otlpLogsUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  if (trimmed.endsWith('/v1/logs')) return trimmed;
  return `${trimmed.replace(/\/v1\/traces$/, '')}/v1/logs`;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/** Builds the exporters the options ask for; undefined when none is (nothing to do per line then). */
export async function createLogExport(opts: LogExportOptions): Promise<LogExport | undefined> {
  const exporters: LogRecordExporter[] = [];
  // Loaded only when configured, as the span exporters are: start-up time of the CLI.
  if (opts.otlpEndpoint) {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
    exporters.push(new OTLPLogExporter({ url: otlpLogsUrl(opts.otlpEndpoint) }));
  }
  if (opts.azureMonitorConnectionString) {
    const [{ AzureMonitorLogExporter }, { AppInsightsLogExporter }] = await Promise.all([import('@azure/monitor-opentelemetry-exporter'), import('./app-insights-log-exporter.js')]);
    exporters.push(new AppInsightsLogExporter(new AzureMonitorLogExporter({ connectionString: opts.azureMonitorConnectionString }), { roleName: opts.azureMonitorRoleName }));
  }
  if (exporters.length === 0) return undefined;
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName ?? 'modelyard',
      ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    }),
    // Batched and bounded (2 048 queued records per exporter, then dropped): a stalled collector
    // must cost memory it is allowed to, never the process.
    processors: exporters.map((exporter) => new BatchLogRecordProcessor({ exporter })),
  });
  const logger = provider.getLogger('modelyard', opts.serviceVersion);
  const pending = new Set<Promise<unknown>>();
  let shutDown: Promise<void> | undefined;
  const flushPending = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    get closed() {
      return shutDown !== undefined;
    },
    emit(log) {
      const ids = log.traceId && HEX32.test(log.traceId) && log.spanId && HEX16.test(log.spanId) ? { traceId: log.traceId, spanId: log.spanId } : undefined;
      logger.emit({
        body: log.body.length > MAX_BODY_CHARS ? `${log.body.slice(0, MAX_BODY_CHARS - 1)}…` : log.body,
        severityNumber: SEVERITY_NUMBER[log.severity] as SeverityNumber,
        severityText: log.severity.toUpperCase(),
        timestamp: log.time ?? Date.now(),
        attributes: log.attributes,
        ...(ids ? { context: trace.setSpanContext(ROOT_CONTEXT, { ...ids, traceFlags: TraceFlags.SAMPLED, isRemote: true }) } : {}),
      });
    },
    track(work) {
      const tracked: Promise<unknown> = work.then(
        () => {},
        () => {},
      ).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async forceFlush() {
      await flushPending();
      await provider.forceFlush();
    },
    shutdown: () =>
      (shutDown ??= (async () => {
        await flushPending();
        // A collector that is down must not hold the process's exit.
        await provider.shutdown().catch(() => {});
      })()),
  };
}

/** The log exporters the process's configuration asks for (the same settings as the span exporters). */
export function logExportOptionsFromConfig(config: Pick<Config, 'otlpEndpoint' | 'applicationInsightsConnectionString' | 'applicationInsightsRoleName'>): LogExportOptions {
  return {
    serviceVersion: MODELYARD_VERSION,
    ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
    ...(config.applicationInsightsConnectionString ? { azureMonitorConnectionString: config.applicationInsightsConnectionString } : {}),
    ...(config.applicationInsightsRoleName ? { azureMonitorRoleName: config.applicationInsightsRoleName } : {}),
  };
}
