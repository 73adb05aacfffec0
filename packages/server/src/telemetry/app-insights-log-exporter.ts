import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { cloudRoleOfLog } from './app-insights-dimensions.js';
import { CloudRoleResources } from './cloud-role-resource.js';

/**
 * In front of the Azure Monitor log exporter: a record about a job (a task's output line, the
 * server's lines about the run) gets the job's name, or the configured role, as `service.name`,
 * which Application Insights shows as `cloud_RoleName`. Its dimensions are already the
 * underscore ones (see pino-log-export and attempt-log-forwarder).
 */
export class AppInsightsLogExporter implements LogRecordExporter {
  private readonly resources = new CloudRoleResources();

  constructor(
    private readonly inner: LogRecordExporter,
    private readonly opts: { roleName?: string | undefined } = {},
  ) {}

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(
      logs.map((l) => this.shape(l)),
      resultCallback,
    );
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  private shape(log: ReadableLogRecord): ReadableLogRecord {
    const resource = this.resources.of(log.resource, cloudRoleOfLog(log.attributes, this.opts.roleName));
    if (resource === log.resource) return log;
    return {
      hrTime: log.hrTime,
      hrTimeObserved: log.hrTimeObserved,
      ...(log.spanContext ? { spanContext: log.spanContext } : {}),
      ...(log.severityText !== undefined ? { severityText: log.severityText } : {}),
      ...(log.severityNumber !== undefined ? { severityNumber: log.severityNumber } : {}),
      ...(log.body !== undefined ? { body: log.body } : {}),
      ...(log.eventName !== undefined ? { eventName: log.eventName } : {}),
      resource,
      instrumentationScope: log.instrumentationScope,
      attributes: log.attributes,
      droppedAttributesCount: log.droppedAttributesCount,
    };
  }
}
