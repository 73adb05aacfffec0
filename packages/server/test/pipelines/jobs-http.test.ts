import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { DIALECTS, postgresUnavailableReason } from '../helpers/dialects.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

// A task that logs a metric and a param to the job run's MLflow run through MLFLOW_TRACKING_URI.
const LOG_TO_MLFLOW = `
const base = process.env.MLFLOW_TRACKING_URI + '/api/2.0/mlflow';
const post = (path, body) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  .then(async (r) => { if (!r.ok) throw new Error(path + ' ' + r.status + ' ' + await r.text()); });
(async () => {
  await post('/runs/log-metric', { run_id: process.env.MLFLOW_RUN_ID, key: 'rmse', value: Number(process.env.MODELYARD_PARAM_RMSE), timestamp: Date.now(), step: 0 });
  console.log('logged to ' + process.env.MLFLOW_RUN_ID);
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

for (const dialect of DIALECTS) {
  const skip = dialect === 'postgres' ? postgresUnavailableReason() : undefined;
  describe.skipIf(skip !== undefined)(`/api/v1/jobs over a real server [${dialect}]`, () => {
    let server: TestServer;
    let projectDir: string;
    let jobId: number;
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/api/v1/jobs${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-modelyard-user': 'dana' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const waitEnded = async (runId: number) => {
      for (let i = 0; i < 400; i++) {
        const { json } = await call('GET', `/runs/get?run_id=${runId}`);
        if (!['QUEUED', 'RUNNING'].includes(json.state as string)) return json;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job run ${runId} did not end`);
    };

    beforeAll(async () => {
      server = await startTestServer({ dialect });
      projectDir = mkdtempSync(join(tmpdir(), 'modelyard-http-project-'));
      writeFileSync(join(projectDir, 'log.js'), LOG_TO_MLFLOW);
      const { spec } = loadProject(`
project: { name: http }
jobs:
  train:
    parameters: [{ name: rmse, default: "1.5" }]
    tasks:
      - { task_key: log, command_task: { command: [${JSON.stringify(process.execPath)}, log.js] } }
      - { task_key: fail, depends_on: [{ task_key: log }], command_task: { command: "exit 4" } }
`);
      const [job] = await server.services.pipelines.jobs.deploy(spec!, projectDir);
      jobId = job!.jobId;
    });
    afterAll(async () => {
      await server?.close();
      rmSync(projectDir, { recursive: true, force: true });
    });

    it('lists and gets deployed jobs', async () => {
      const list = await call('GET', '/list');
      expect(list.status).toBe(200);
      expect(list.json.jobs).toHaveLength(1);
      const got = await call('GET', `/get?job_id=${jobId}`);
      expect(got.json).toMatchObject({
        job_id: jobId,
        project: 'http',
        job_key: 'train',
        max_concurrent_runs: 1,
        parameters: [{ name: 'rmse', default: '1.5' }],
        tasks: [
          { task_key: 'log', type: 'command', run_if: 'ALL_SUCCESS', max_retries: 0 },
          { task_key: 'fail', type: 'command', depends_on: [{ task_key: 'log' }] },
        ],
      });
      expect(got.json.schedule).toBeUndefined();
      expect((await call('GET', '/get?job_id=999999')).json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'job 999999 does not exist' });
    });

    it('runs a job whose task logs into its MLflow run through this server, then repairs it', async () => {
      const started = await call('POST', '/run-now', { job_id: jobId, job_parameters: { rmse: 0.25 } });
      expect(started.status).toBe(200);
      const runId = started.json.run_id as number;
      const ended = await waitEnded(runId);
      expect(ended).toMatchObject({ state: 'FAILED', actor: 'dana', trigger: 'MANUAL', job_parameters: [{ name: 'rmse', value: '0.25' }] });
      expect(ended.tasks.map((t: { task_key: string; state: string }) => [t.task_key, t.state])).toEqual([
        ['log', 'SUCCESS'],
        ['fail', 'FAILED'],
      ]);
      expect(ended.tasks[1].attempts).toEqual([expect.objectContaining({ attempt_number: 1, state: 'FAILED', exit_code: 4, trigger: 'INITIAL' })]);
      const mlflowRun = (await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${ended.mlflow_run_id}`)).json()) as { run: { info: { status: string }; data: { metrics: Array<{ key: string; value: number }> } } };
      expect(mlflowRun.run.info.status).toBe('FAILED');
      expect(mlflowRun.run.data.metrics).toEqual([expect.objectContaining({ key: 'rmse', value: 0.25 })]);
      const log = await call('GET', `/runs/logs?run_id=${runId}&task_key=log`);
      expect(log.json).toMatchObject({ attempt_number: 1, stream: 'stdout', text: `logged to ${ended.mlflow_run_id}\n` });

      const repaired = await call('POST', '/runs/repair', { run_id: runId, rerun_tasks: ['fail'] });
      expect(repaired.json).toMatchObject({ run_id: runId, state: 'RUNNING', repair_count: 1 });
      const after = await waitEnded(runId);
      expect(after.state).toBe('FAILED');
      expect(after.tasks[0].attempt_count).toBe(1);
      expect(after.tasks[1].attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['INITIAL', 'REPAIR']);
    });

    it('pages run lists and answers bad requests with MLflow error bodies', async () => {
      const a = (await call('POST', '/run-now', { job_id: jobId })).json.run_id as number;
      await waitEnded(a);
      const page1 = await call('GET', `/runs/list?job_id=${jobId}&limit=1`);
      expect(page1.json.runs).toHaveLength(1);
      expect(page1.json.runs[0].run_id).toBe(a);
      const page2 = await call('GET', `/runs/list?job_id=${jobId}&limit=1&page_token=${page1.json.next_page_token}`);
      expect(page2.json.runs[0].run_id).toBeLessThan(a);
      expect(page2.json.next_page_token).toBeUndefined();

      const cancelEnded = await call('POST', '/runs/cancel', { run_id: a });
      expect(cancelEnded.status).toBe(400);
      expect(cancelEnded.json).toEqual({ error_code: 'INVALID_STATE', message: `job run ${a} is already FAILED; only queued or running runs can be canceled` });
      const unknownParam = await call('POST', '/run-now', { job_id: jobId, job_parameters: { nope: 'x' } });
      expect(unknownParam.status).toBe(400);
      expect(unknownParam.json.message).toBe("job parameter 'nope' is not declared by the job (parameters: rmse)");
      const missing = await call('GET', '/runs/get');
      expect(missing.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      expect((await call('GET', '/runs/get?run_id=424242')).status).toBe(404);
      expect((await call('GET', `/runs/logs?run_id=${a}&task_key=ghost`)).json.message).toBe(`job run ${a} has no task 'ghost'`);
    });
  });
}
