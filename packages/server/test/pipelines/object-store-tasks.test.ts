import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { Tracker, logModelWith, openObjectStore, signatureFromSchemas } from '@modelyard/sdk';
import type { ObjectStore } from '@modelyard/sdk';
import type { JobRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { PIMA_CSV } from '../helpers/datasets.js';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const ABFSS = `abfss://lake@${AZURITE_ACCOUNT}.dfs.core.windows.net`;
const WASBS = `wasbs://lake@${AZURITE_ACCOUNT}.blob.core.windows.net`;

/**
 * evaluate and batch_score tasks reading their data from object stores and writing scores back,
 * on a real server whose worker reads the stores' credentials from its environment (as a worker
 * on a VM with a managed identity or an instance role would): Azurite for abfss:// and wasbs://,
 * s3rver for s3://.
 */
describe('pipeline tasks with data in object stores', () => {
  let azurite: AzuriteEmulator;
  let s3: S3Emulator;
  let server: TestServer;
  let projectDir: string;
  let jobs: Record<string, number>;
  let lake: ObjectStore;
  let bucket: ObjectStore;
  const saved: Record<string, string | undefined> = {};

  const PROJECT = `
project: { name: lake-tasks }
experiments: { main: { name: lake-tasks } }
jobs:
  evaluate:
    experiment: main
    tasks:
      - task_key: evaluate
        evaluate_task:
          challenger_model_uri: "models:/pima/1"
          data_path: ${ABFSS}/holdout/pima.csv
          target_column: Outcome
          model_type: classifier
  score:
    experiment: main
    tasks:
      - task_key: score
        batch_score_task: { model_uri: "models:/pima/1", input_path: "s3://features/daily/", output_path: "${WASBS}/scores/daily.csv" }
  score_missing:
    experiment: main
    tasks:
      - task_key: score
        batch_score_task: { model_uri: "models:/pima/1", input_path: "s3://features/nothing-here/", output_path: "s3://features/out.csv" }
`;

  async function runJob(jobId: number): Promise<{ run: JobRunRecord; task: { state: string; stateMessage: string | null; result: unknown } }> {
    const started = await server.services.pipelines.jobs.runNow(jobId, { actor: 'tester' });
    const until = Date.now() + 60_000;
    for (;;) {
      const { run, tasks } = await server.services.pipelines.jobs.getRun(started.jobRunId);
      if (isTerminalJobRunState(run.state)) return { run, task: tasks[0]! };
      if (Date.now() > until) throw new Error(`job run ${run.jobRunId} still ${run.state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function text(store: ObjectStore, path: string): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of (await store.openRead(path)).stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  beforeAll(async () => {
    [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
    await Promise.all([azurite.createContainer('lake'), s3.createBucket('features')]);
    const env = { ...azurite.env, ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    for (const k of Object.keys(env)) saved[k] = process.env[k];
    Object.assign(process.env, env);
    lake = await openObjectStore(WASBS);
    bucket = await openObjectStore('s3://features');

    const csv = readFileSync(PIMA_CSV, 'utf8');
    const lines = csv.trim().split('\n');
    await lake.write('holdout/pima.csv', Buffer.from([lines[0], ...lines.slice(-200)].join('\n') + '\n'));
    // Today's features as two part files without the label.
    const header = lines[0]!.split(',').slice(0, -1).join(',');
    const rows = lines.slice(1).map((l) => l.split(',').slice(0, -1).join(','));
    await bucket.write('daily/part-00000.csv', Buffer.from([header, ...rows.slice(0, 400)].join('\n') + '\n'));
    await bucket.write('daily/part-00001.csv', Buffer.from([header, ...rows.slice(400)].join('\n') + '\n'));

    server = await startTestServer();
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('lake-training');
    const frame = parseCsv(csv);
    const model = new Pipeline([new StandardScaler()], new LogisticRegression({ c: 1 })).fit(frame, 'Outcome');
    await tracker.withRun({}, () =>
      logModelWith(tracker, toOnnx(model, { name: 'pima' }), { signature: signatureFromSchemas(model.inputSchema(), model.outputSchema()), registeredModelName: 'pima' }),
    );

    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-lake-tasks-'));
    const loaded = loadProject(PROJECT);
    if (!loaded.spec) throw new Error(JSON.stringify(loaded.problems));
    const deployed = await server.services.pipelines.jobs.deploy(loaded.spec, projectDir);
    jobs = Object.fromEntries(deployed.map((d) => [d.jobKey, d.jobId]));
  }, 120_000);

  afterAll(async () => {
    lake?.close();
    bucket?.close();
    await server?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all([azurite?.stop(), s3?.stop()]);
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  it('evaluate reads its labelled CSV from an abfss:// URI', async () => {
    const { run, task } = await runJob(jobs.evaluate!);
    expect(run.state, task.stateMessage ?? '').toBe('SUCCESS');
    const result = task.result as { dataPath: string; rows: number; challenger: { metrics: Record<string, number> } };
    expect(result.dataPath).toBe(`${ABFSS}/holdout/pima.csv`);
    expect(result.rows).toBe(200);
    expect(result.challenger.metrics.roc_auc).toBeGreaterThan(0.8);
  });

  it('batch_score reads a folder of parts from s3:// and writes its scores to wasbs://, nothing in the project folder', async () => {
    const { run, task } = await runJob(jobs.score!);
    expect(run.state, task.stateMessage ?? '').toBe('SUCCESS');
    expect(task.result).toMatchObject({ rows: 768, outputPath: `${WASBS}/scores/daily.csv`, inputPath: 's3://features/daily/' });
    const scored = (await text(lake, 'scores/daily.csv')).trim().split('\n');
    expect(scored).toHaveLength(769);
    expect(scored[0]).toMatch(/^Pregnancies,.*,prediction,probability_0,probability_1,model_name,model_version,scored_at$/);
    expect(existsSync(join(projectDir, 's3:')) || existsSync(join(projectDir, 'wasbs:'))).toBe(false);
  });

  it('a batch_score input that does not exist fails the task with a message naming the URI', async () => {
    const { run, task } = await runJob(jobs.score_missing!);
    expect(run.state).toBe('FAILED');
    expect(task.stateMessage).toMatch(/input 's3:\/\/features\/nothing-here\/' does not exist/);
    expect(await bucket.exists('out.csv')).toBe(false);
  });
});
