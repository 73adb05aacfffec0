import { describe, expect, it } from 'vitest';
import { resolveConfig, configFromEnv } from '../../src/config/config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { modelUriAttributes, resultModelAttributes } from '../../src/telemetry/model-uri-attributes.js';
import { parseOtlpTraceRequest } from '../../src/telemetry/otlp-json.js';
import { attemptSpanId, jobRunTraceIds, SeededIdGenerator } from '../../src/telemetry/trace-ids.js';
import { formatTraceParent, parseTraceParent } from '../../src/telemetry/traceparent.js';
import { otlpTracesUrl } from '../../src/telemetry/tracing.js';
import { percentile } from '../../src/telemetry/trace-queries.js';
import { LogCapture } from './telemetry-harness.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, sampled: true }],
    [`00-${TRACE.toUpperCase()}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, sampled: false }],
    [`01-${TRACE}-${SPAN}-03-extra`, { traceId: TRACE, spanId: SPAN, sampled: true }],
    [`00-${TRACE}-${SPAN}-01-extra`, undefined],
    [`ff-${TRACE}-${SPAN}-01`, undefined],
    [`00-${'0'.repeat(32)}-${SPAN}-01`, undefined],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    ['00-abc-def-01', undefined],
    ['', undefined],
  ])('parses %j', (header, expected) => {
    expect(parseTraceParent(header)).toEqual(expected);
  });

  it('formats what it parses', () => {
    expect(formatTraceParent({ traceId: TRACE, spanId: SPAN, sampled: true })).toBe(`00-${TRACE}-${SPAN}-01`);
  });
});

describe('trace ids', () => {
  it('derives a job run trace from the run, the same in every process, distinct per run', () => {
    const a = jobRunTraceIds({ jobId: 1, jobRunId: 7, queuedTime: 1_700_000_000_000 });
    expect(a).toEqual(jobRunTraceIds({ jobId: 1, jobRunId: 7, queuedTime: 1_700_000_000_000 }));
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(jobRunTraceIds({ jobId: 1, jobRunId: 7, queuedTime: 1_700_000_000_001 }).traceId).not.toBe(a.traceId);
    expect(jobRunTraceIds({ jobId: 1, jobRunId: 8, queuedTime: 1_700_000_000_000 }).traceId).not.toBe(a.traceId);
    expect(attemptSpanId(a.traceId, 3)).toBe(attemptSpanId(a.traceId, 3));
    expect(attemptSpanId(a.traceId, 3)).not.toBe(attemptSpanId(a.traceId, 4));
  });

  it('hands the seeded ids to the one span started inside withIds, random ones otherwise', () => {
    const ids = new SeededIdGenerator();
    const seeded = ids.withIds({ traceId: TRACE, spanId: SPAN }, () => [ids.generateSpanId(), ids.generateTraceId(), ids.generateSpanId()]);
    expect(seeded.slice(0, 2)).toEqual([SPAN, TRACE]);
    expect(seeded[2]).not.toBe(SPAN);
    expect(ids.generateTraceId()).not.toBe(TRACE);
    expect(ids.generateSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('model attributes', () => {
  it.each([
    ['models:/diabetes/3', { 'modelyard.model.uri': 'models:/diabetes/3', 'modelyard.model.name': 'diabetes', 'modelyard.model.version': '3' }],
    ['models:/diabetes/Production', { 'modelyard.model.uri': 'models:/diabetes/Production', 'modelyard.model.name': 'diabetes', 'modelyard.model.stage': 'Production' }],
    ['models:/diabetes@champion', { 'modelyard.model.uri': 'models:/diabetes@champion', 'modelyard.model.name': 'diabetes', 'modelyard.model.alias': 'champion' }],
    ['runs:/abc/model', { 'modelyard.model.uri': 'runs:/abc/model' }],
  ])('reads %s', (uri, expected) => {
    expect(modelUriAttributes(uri)).toEqual(expected);
  });

  it('reads the version a promote or an evaluation resolved', () => {
    expect(resultModelAttributes({ kind: 'promote', name: 'diabetes', version: 4 })).toEqual({ 'modelyard.model.name': 'diabetes', 'modelyard.model.version': '4' });
    expect(resultModelAttributes({ kind: 'evaluation', challenger: { uri: 'models:/d@c', name: 'd', version: 2, metrics: {} } })).toEqual({
      'modelyard.model.name': 'd',
      'modelyard.model.version': '2',
    });
    expect(resultModelAttributes({ kind: 'batch_score' })).toEqual({});
  });
});

describe('OTLP JSON', () => {
  it('accepts base64 ids and {low, high} times, and maps kinds and statuses', () => {
    const [span] = parseOtlpTraceRequest({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from(TRACE, 'hex').toString('base64'),
                  spanId: Buffer.from(SPAN, 'hex').toString('base64'),
                  parentSpanId: '',
                  name: 'x',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: { low: 1_000_000, high: 0 },
                  endTimeUnixNano: 3_000_000,
                  status: { code: 'STATUS_CODE_ERROR', message: 'no' },
                  attributes: [{ key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'b' }] } } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(span).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: null,
      name: 'x',
      kind: 'CLIENT',
      startTimeUs: 1000,
      endTimeUs: 3000,
      statusCode: 'ERROR',
      statusMessage: 'no',
      serviceName: null,
      attributes: { a: [1, 'b'] },
      events: [],
    });
  });

  it('refuses a span that ends before it starts, naming the field', () => {
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: 'x', startTimeUnixNano: '5000000', endTimeUnixNano: '1000000' }] }] }] };
    expect(() => parseOtlpTraceRequest(body)).toThrow(/spans\[0\]\.endTimeUnixNano must not be before startTimeUnixNano/);
  });
});

describe('telemetry configuration and logs', () => {
  it('reads the OTLP endpoint and Application Insights connection string from their standard variables', () => {
    const config = resolveConfig([configFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=abc' })], '/tmp');
    expect(config).toMatchObject({ otlpEndpoint: 'http://collector:4318', applicationInsightsConnectionString: 'InstrumentationKey=abc' });
    expect(resolveConfig([{}], '/tmp').otlpEndpoint).toBeUndefined();
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });

  it('redacts secrets from log lines', () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: 'info', destination: logs.stream });
    logger.info(
      { applicationInsightsConnectionString: 'InstrumentationKey=abc', env: { AWS_SECRET_ACCESS_KEY: 'k' }, req: { headers: { authorization: 'Bearer t', cookie: 's=1' } }, trace_id: TRACE },
      'hello',
    );
    expect(logs.lines[0]).toMatchObject({
      applicationInsightsConnectionString: '[redacted]',
      env: '[redacted]',
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      trace_id: TRACE,
    });
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBe(0);
  });
});
