import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import type { JobRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { startServer } from '../../src/server-process.js';
import { createLogExport, logExportOptionsFromConfig } from '../../src/telemetry/log-export.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { jobRunTraceIds } from '../../src/telemetry/trace-ids.js';
import { waitForRunEnd } from '../pipelines/pipeline-harness.js';
import { LogCapture } from './telemetry-harness.js';
import { otlpAttributes, startAppInsightsReceiver, startOtlpReceiver } from './ingestion-receivers.js';
import type { Json, Receiver } from './ingestion-receivers.js';

const NODE = JSON.stringify(process.execPath);

/** The seed's training job: a step that works and one that fails as a Python script does. */
const PROJECT = `
project: { name: seeds }
jobs:
  train:
    name: Diabetes_Training
    tasks:
      - { task_key: prepare, command_task: { command: [${NODE}, prepare.js] } }
      - { task_key: fit, depends_on: [{ task_key: prepare }], command_task: { command: [${NODE}, fit.js] } }
`;
const PREPARE_SCRIPT = `console.log('INFO prepared 768 rows'); console.error('a library warned about something');`;
const FIT_SCRIPT = `
  console.log('fitting the ridge model');
  console.error('Traceback (most recent call last):\\n  File "train.py", line 3, in <module>\\nValueError: Input contains NaN');
  process.exit(3);`;

/**
 * The seeds' Application Insights queries against a real server exporting to a loopback ingestion
 * endpoint (and the same records to a loopback OTLP collector): task output and the server's lines
 * as traces with the MLflow dimensions, failures as exceptions, task spans as dependencies of the
 * job's cloud role, all under the job run's operation id.
 */
describe('Application Insights: traces, exceptions and dependencies of a job run', () => {
  let appInsights: Receiver<Json> & { connectionString: string };
  let otlp: Receiver<{ url: string; body: Json }>;
  let dataDir: string;
  let projectDir: string;
  let run: JobRunRecord;
  let traceId: string;
  const requestTraceId = '5bf92f3577b34da6a3ce929d0e0e4736';
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [appInsights, otlp] = await Promise.all([startAppInsightsReceiver(), startOtlpReceiver()]);
    // The receiver's self-signed certificate; and no statistics sent to Microsoft from a test.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';
    dataDir = mkdtempSync(join(tmpdir(), 'modelyard-ai-server-'));
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-ai-project-'));
    writeFileSync(join(projectDir, 'prepare.js'), PREPARE_SCRIPT);
    writeFileSync(join(projectDir, 'fit.js'), FIT_SCRIPT);

    const config = resolveConfig([
      { host: '127.0.0.1', port: 0, dataDir, logLevel: 'info', applicationInsightsConnectionString: appInsights.connectionString, otlpEndpoint: `http://127.0.0.1:${otlp.port}` },
    ]);
    // As `modelyard server` wires it: the log export first, the logger writing to it.
    const logs = await createLogExport(logExportOptionsFromConfig(config));
    const logger = createLogger({ level: 'info', destination: new LogCapture().stream, exportTo: logs });
    const server = await startServer(config, logger, { logs });
    try {
      const [job] = await server.services.pipelines.jobs.deploy(loadProject(PROJECT).spec!, projectDir);
      const started = await server.services.pipelines.jobs.runNow(job!.jobId, { actor: 'alice' });
      run = await waitForRunEnd(server.services.pipelines, started.jobRunId);
      traceId = jobRunTraceIds(run).traceId;

      // An unexpected failure inside a request (a store missing a table), from a caller in a trace.
      await sql`drop table experiment_tags`.execute(server.db.db);
      const failed = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, { headers: { traceparent: `00-${requestTraceId}-00f067aa0ba902b7-01` } });
      expect(failed.status).toBe(500);
    } finally {
      // Closing flushes every exporter.
      await server.close();
    }
  }, 60_000);

  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([appInsights?.close(), otlp?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(projectDir, { recursive: true, force: true });
  });

  const ofType = (baseType: string) => appInsights.items.filter((e) => e.data?.baseType === baseType);
  const dims = () => ({ mlflow_run_id: run.mlflowRunId, mlflow_experiment_id: run.mlflowExperimentId, job_run_id: String(run.jobRunId) });

  it('exports task output and the server lines as traces with the MLflow dimensions, under the run operation', () => {
    expect(run.state).toBe('FAILED');
    const traces = ofType('MessageData');
    const line = (message: string) => traces.find((e) => e.data.baseData.message === message);

    // `traces | where customDimensions.mlflow_run_id == …`: a task's stdout, with its level.
    expect(line('INFO prepared 768 rows')).toMatchObject({
      tags: { 'ai.operation.id': traceId, 'ai.cloud.role': 'Diabetes_Training' },
      data: { baseData: { severityLevel: 'Information', properties: { ...dims(), task_key: 'prepare', job_name: 'Diabetes_Training', 'log.iostream': 'stdout' } } },
    });
    expect(line('a library warned about something')).toMatchObject({ data: { baseData: { severityLevel: 'Warning', properties: { ...dims(), task_key: 'prepare', 'log.iostream': 'stderr' } } } });
    expect(line('ValueError: Input contains NaN')).toMatchObject({ tags: { 'ai.operation.id': traceId }, data: { baseData: { properties: { ...dims(), task_key: 'fit' } } } });

    // The server's own lines about the run.
    const ended = traces.filter((e) => e.data.baseData.message === 'task attempt did not succeed');
    expect(ended).toEqual([
      expect.objectContaining({
        tags: expect.objectContaining({ 'ai.operation.id': traceId, 'ai.cloud.role': 'Diabetes_Training' }),
        data: expect.objectContaining({ baseData: expect.objectContaining({ severityLevel: 'Warning', properties: expect.objectContaining({ ...dims(), task_key: 'fit', state: 'FAILED' }) }) }),
      }),
    ]);
  });

  it('exports the failed task and the failed request as exceptions with the same dimensions', () => {
    const exceptions = ofType('ExceptionData');
    const task = exceptions.filter((e) => e.data.baseData.exceptions[0].typeName === 'TaskFailed');
    expect(task).toHaveLength(1);
    expect(task[0]).toMatchObject({
      tags: { 'ai.operation.id': traceId, 'ai.cloud.role': 'Diabetes_Training' },
      data: { baseData: { properties: { ...dims(), task_key: 'fit' } } },
    });
    const [details] = task[0]!.data.baseData.exceptions;
    expect(details.message).toMatch(/^exited with code 3: ValueError: Input contains NaN/);
    expect(details.stack).toContain('Traceback (most recent call last):\n  File "train.py", line 3');

    // The 500 once, from its request span: the error log line is a trace, not a second exception.
    const request = exceptions.filter((e) => e.tags['ai.operation.id'] === requestTraceId);
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ tags: { 'ai.cloud.role': 'modelyard' }, data: { baseData: { properties: { mlflow_experiment_id: '0' } } } });
    expect(request[0]!.data.baseData.exceptions[0]).toMatchObject({ typeName: 'SQLITE_ERROR', message: expect.stringContaining('experiment_tags') });
    expect(ofType('MessageData').find((e) => e.data.baseData.message === 'unhandled error')).toMatchObject({ data: { baseData: { severityLevel: 'Error' } } });
  });

  it("exports task spans as dependencies of the job's cloud role, the run's trace id as operation id", () => {
    const deps = ofType('RemoteDependencyData').filter((e) => e.tags['ai.operation.id'] === traceId);
    const byName = Object.fromEntries(deps.map((e) => [e.data.baseData.name, e]));
    expect(Object.keys(byName).sort()).toEqual(['job train', 'task fit', 'task prepare']);
    for (const d of deps) expect(d.tags['ai.cloud.role']).toBe('Diabetes_Training');
    expect(byName['task prepare']).toMatchObject({
      data: { baseData: { success: true, properties: { ...dims(), task_key: 'prepare', 'mlflow.run_id': run.mlflowRunId, 'modelyard.task_key': 'prepare' } } },
    });
    expect(byName['task fit']).toMatchObject({ data: { baseData: { success: false, properties: { ...dims(), task_key: 'fit' } } } });
  });

  it('sends the same log records to the OTLP collector at /v1/logs', () => {
    const logRequests = otlp.items.filter((r) => r.url === '/v1/logs');
    expect(logRequests.length).toBeGreaterThan(0);
    const records = logRequests.flatMap((r) => (r.body.resourceLogs as Json[]).flatMap((rl) => (rl.scopeLogs as Json[]).flatMap((sl) => sl.logRecords as Json[])));
    const line = records.find((l) => l.body?.stringValue === 'INFO prepared 768 rows');
    expect(line).toMatchObject({ traceId, severityNumber: 9 });
    expect(otlpAttributes(line!.attributes)).toMatchObject({ ...dims(), task_key: 'prepare' });
    const serverLine = records.find((l) => l.body?.stringValue === 'task attempt did not succeed');
    expect(serverLine).toMatchObject({ traceId, severityNumber: 13 });
    expect(otlpAttributes(serverLine!.attributes)).toMatchObject({ ...dims(), task_key: 'fit' });
    // Spans still go to /v1/traces, as before.
    expect(otlp.items.some((r) => r.url === '/v1/traces')).toBe(true);
  });
});
