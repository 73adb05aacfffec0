import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import type { JobRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { jobRunTraceIds } from '../../src/telemetry/trace-ids.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { PIMA_CSV } from '../helpers/datasets.js';

const PIMA = PIMA_CSV;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** In-process task types (promote, evaluate, gate) write their steps as spans under their attempts. */
describe('in-process task step spans', () => {
  let server: TestServer;
  let projectDir: string;
  let jobs: Record<string, number>;

  const PROJECT = `
project: { name: step-spans }
experiments: { main: { name: step-spans } }
serving_endpoints:
  pima-ep: { name: pima-steps, model_uri: "models:/pima/1" }
jobs:
  validate:
    experiment: main
    tasks:
      - task_key: stage
        promote_task: { model_uri: "models:/pima/1", stage: Staging, alias: challenger }
      - task_key: evaluate
        depends_on: [{ task_key: stage }]
        evaluate_task:
          challenger_model_uri: "models:/pima@challenger"
          champion_model_uri: "models:/pima@champion"
          data_path: holdout.csv
          target_column: Outcome
          model_type: classifier
      - task_key: gate
        depends_on: [{ task_key: evaluate }]
        gate_task: { evaluation_task_key: evaluate, rules: ["challenger.roc_auc >= 0.5"] }
  ship:
    experiment: main
    tasks:
      - task_key: score
        batch_score_task: { model_uri: "models:/pima/1", input_path: features.csv, output_path: out/scores.csv }
      - task_key: deploy
        depends_on: [{ task_key: score }]
        deploy_task: { endpoint: pima-ep, model_uri: "models:/pima/1" }
  blocked:
    experiment: main
    tasks:
      - task_key: evaluate
        evaluate_task:
          challenger_model_uri: "models:/pima/1"
          data_path: holdout.csv
          target_column: Outcome
          model_type: classifier
      - task_key: gate
        depends_on: [{ task_key: evaluate }]
        gate_task: { evaluation_task_key: evaluate, rules: ["challenger.roc_auc >= 1.01"] }
  broken:
    experiment: main
    tasks:
      - task_key: promote_missing
        promote_task: { model_uri: "models:/pima/99", stage: Production }
`;

  async function runJob(jobId: number): Promise<JobRunRecord> {
    const started = await server.services.pipelines.jobs.runNow(jobId, { actor: 'tester' });
    const until = Date.now() + 30_000;
    for (;;) {
      const { run } = await server.services.pipelines.jobs.getRun(started.jobRunId);
      if (isTerminalJobRunState(run.state)) return run;
      if (Date.now() > until) throw new Error(`job run ${run.jobRunId} still ${run.state}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function spansOf(run: JobRunRecord, count: number): Promise<Json[]> {
    const { traceId } = jobRunTraceIds(run);
    let spans: Json[] = [];
    for (let i = 0; i < 200 && spans.length < count; i++) {
      const r = await fetch(`${server.url}/api/v1/traces/${traceId}`);
      if (r.status === 200) spans = ((await r.json()) as Json).spans as Json[];
      if (spans.length < count) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return spans;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('pima-training');
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-step-spans-'));
    const text = readFileSync(PIMA, 'utf8');
    const lines = text.trim().split('\n');
    writeFileSync(join(projectDir, 'holdout.csv'), [lines[0], ...lines.slice(-200)].join('\n') + '\n');
    // Scoring input: the holdout's features, without the label.
    const dropLast = (line: string) => line.split(',').slice(0, -1).join(',');
    writeFileSync(join(projectDir, 'features.csv'), [lines[0]!, ...lines.slice(-200)].map(dropLast).join('\n') + '\n');
    const frame = parseCsv(text);
    const training = frame.take(Array.from({ length: frame.rowCount - 200 }, (_, i) => i));
    const pipeline = new Pipeline([new StandardScaler()], new LogisticRegression({ c: 1 })).fit(training, 'Outcome');
    await tracker.withRun({}, () =>
      logModelWith(tracker, toOnnx(pipeline, { name: 'pima' }), {
        signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
        registeredModelName: 'pima',
      }),
    );
    const loaded = loadProject(PROJECT);
    if (!loaded.spec) throw new Error(JSON.stringify(loaded.problems));
    const deployed = await server.services.pipelines.jobs.deploy(loaded.spec, projectDir);
    jobs = Object.fromEntries(deployed.map((d) => [d.jobKey, d.jobId]));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('puts promote, evaluate and gate steps under their attempts, with the model they acted on', async () => {
    const run = await runJob(jobs.validate!);
    expect(run.state).toBe('SUCCESS');
    // Root + three attempts + promote + one evaluation (no champion yet) + gate.
    const spans = await spansOf(run, 7);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    const attempt = (taskKey: string) => spans.find((s) => s.name === `task ${taskKey}`)!;

    expect(byName['promote models:/pima/1']).toMatchObject({
      parent_span_id: attempt('stage').span_id,
      status: { code: 'OK' },
      attributes: {
        'modelyard.operation': 'task_step',
        'modelyard.task_key': 'stage',
        'modelyard.model.name': 'pima',
        'modelyard.model.version': '1',
        'modelyard.promote.from_stage': 'None',
        'modelyard.promote.to_stage': 'Staging',
        'modelyard.promote.alias': 'challenger',
        'mlflow.run_id': run.mlflowRunId,
      },
    });
    expect(byName['evaluate challenger models:/pima@challenger']).toMatchObject({
      parent_span_id: attempt('evaluate').span_id,
      status: { code: 'OK' },
      attributes: {
        'modelyard.model.uri': 'models:/pima@challenger',
        'modelyard.model.name': 'pima',
        'modelyard.model.alias': 'challenger',
        'modelyard.model.version': '1',
        'modelyard.evaluation.role': 'challenger',
        'modelyard.rows': 200,
      },
    });
    // The champion alias does not exist yet: nothing was evaluated for it.
    expect(spans.filter((s) => s.name.startsWith('evaluate champion'))).toEqual([]);
    expect(byName['gate evaluate']).toMatchObject({
      parent_span_id: attempt('gate').span_id,
      attributes: { 'modelyard.gate.passed': true, 'modelyard.model.version': '1' },
    });
    // Steps are not stages: the stage durations still count attempts only.
    const stages = (await (await fetch(`${server.url}/api/v1/traces/stage-durations?job=validate`)).json()) as Json;
    expect(stages.stages.map((s: Json) => [s.task_key, s.count])).toEqual([['stage', 1], ['evaluate', 1], ['gate', 1]]);
  });

  it('puts batch_score and deploy steps under their attempts, with rows, output and endpoint', async () => {
    const run = await runJob(jobs.ship!);
    const { tasks } = await server.services.pipelines.jobs.getRun(run.jobRunId);
    expect(tasks.map((t) => [t.taskKey, t.state, t.stateMessage])).toEqual([['score', 'SUCCESS', null], ['deploy', 'SUCCESS', null]]);
    const spans = await spansOf(run, 5);
    const attempt = (taskKey: string) => spans.find((s) => s.name === `task ${taskKey}`)!;
    expect(spans.find((s) => s.name === 'batch_score models:/pima/1')).toMatchObject({
      parent_span_id: attempt('score').span_id,
      status: { code: 'OK' },
      attributes: {
        'modelyard.operation': 'task_step',
        'modelyard.rows': 200,
        'modelyard.output_path': join(projectDir, 'out/scores.csv'),
        'modelyard.input_path': join(projectDir, 'features.csv'),
        'modelyard.model.name': 'pima',
        'modelyard.model.version': '1',
      },
    });
    expect(spans.find((s) => s.name === 'deploy pima-steps')).toMatchObject({
      parent_span_id: attempt('deploy').span_id,
      status: { code: 'OK' },
      attributes: { 'modelyard.endpoint': 'pima-steps', 'modelyard.model.uri': 'models:/pima/1', 'modelyard.model.name': 'pima' },
    });
  });

  it('ends a blocking gate step with ERROR and the rule that failed', async () => {
    const run = await runJob(jobs.blocked!);
    expect(run.state).toBe('FAILED');
    const spans = await spansOf(run, 5);
    expect(spans.find((s) => s.name === 'gate evaluate')).toMatchObject({
      parent_span_id: spans.find((s) => s.name === 'task gate')!.span_id,
      status: { code: 'ERROR', message: expect.stringMatching(/roc_auc >= 1\.01/) },
      attributes: { 'modelyard.gate.passed': false },
    });
  });

  it('records the exception of a step that fails', async () => {
    const run = await runJob(jobs.broken!);
    expect(run.state).toBe('FAILED');
    const spans = await spansOf(run, 3);
    const step = spans.find((s) => s.name === 'promote models:/pima/99');
    expect(step).toMatchObject({
      parent_span_id: spans.find((s) => s.name === 'task promote_missing')!.span_id,
      status: { code: 'ERROR', message: expect.stringMatching(/99/) },
      attributes: { 'modelyard.model.version': '99', 'modelyard.promote.to_stage': 'Production' },
      events: [{ name: 'exception', attributes: expect.objectContaining({ 'exception.message': expect.stringMatching(/99/) }) }],
    });
  });
});
