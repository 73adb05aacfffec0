import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import type { JobRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { PIMA_CSV } from '../helpers/datasets.js';

const PIMA = PIMA_CSV;

/**
 * evaluate → gate → promote against a real server (its runner, registry, tracking store and ONNX
 * runtime), with real models trained by @modelyard/learn and registered through the SDK.
 */
describe('in-process task types on a real server', () => {
  let server: TestServer;
  let tracker: Tracker;
  let projectDir: string;
  let jobId: number;
  let frame: DataFrame;

  const PROJECT = `
project: { name: task-types }
experiments: { main: { name: task-types } }
jobs:
  validate:
    experiment: main
    tasks:
      - task_key: stage
        promote_task: { model_uri: "models:/pima/latest", stage: Staging, alias: challenger }
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
        gate_task:
          evaluation_task_key: evaluate
          rules:
            - challenger.roc_auc >= 0.75
            - challenger.roc_auc >= champion.roc_auc - 0.01
      - task_key: promote
        depends_on: [{ task_key: gate }]
        promote_task: { model_uri: "models:/pima@challenger", stage: Production, alias: champion, archive_existing_versions: true }
`;

  async function register(pipeline: Pipeline): Promise<string> {
    const info = await tracker.withRun({}, () =>
      logModelWith(tracker, toOnnx(pipeline, { name: 'pima' }), {
        signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
        registeredModelName: 'pima',
      }),
    );
    return info.registeredVersion!.version;
  }

  async function runJob(): Promise<{ run: JobRunRecord; tasks: Record<string, { state: string; stateMessage: string | null; result: unknown }> }> {
    const jobs = server.services.pipelines.jobs;
    const started = await jobs.runNow(jobId, { actor: 'tester' });
    const until = Date.now() + 30_000;
    for (;;) {
      const { run, tasks } = await jobs.getRun(started.jobRunId);
      if (isTerminalJobRunState(run.state)) return { run, tasks: Object.fromEntries(tasks.map((t) => [t.taskKey, t])) };
      if (Date.now() > until) throw new Error(`job run ${run.jobRunId} still ${run.state}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    server = await startTestServer();
    tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('pima-training');
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-task-types-'));
    frame = parseCsv(readFileSync(PIMA, 'utf8'));
    // The last 200 rows are the holdout; models train on the rest.
    const lines = readFileSync(PIMA, 'utf8').trim().split('\n');
    writeFileSync(join(projectDir, 'holdout.csv'), [lines[0], ...lines.slice(-200)].join('\n') + '\n');
    const loaded = loadProject(PROJECT);
    if (!loaded.spec) throw new Error(JSON.stringify(loaded.problems));
    [{ jobId }] = await server.services.pipelines.jobs.deploy(loaded.spec, projectDir);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('promotes a first version with no champion yet, audited with the job run as the actor', async () => {
    const training = frame.take(Array.from({ length: frame.rowCount - 200 }, (_, i) => i));
    expect(await register(new Pipeline([new StandardScaler()], new LogisticRegression({ c: 1 })).fit(training, 'Outcome'))).toBe('1');

    const { run, tasks } = await runJob();
    expect(run.state).toBe('SUCCESS');
    expect(Object.values(tasks).map((t) => t.state)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);

    const evaluation = tasks.evaluate!.result as { challenger: { name: string; version: number; runId: string; metrics: Record<string, number> }; champion: unknown; championMissingReason: string };
    expect(evaluation.challenger).toMatchObject({ name: 'pima', version: 1 });
    expect(Object.keys(evaluation.challenger.metrics).sort()).toEqual(['accuracy', 'f1', 'log_loss', 'roc_auc']);
    expect(evaluation.challenger.metrics.roc_auc).toBeGreaterThan(0.8);
    expect(evaluation.champion).toBeNull();
    expect(evaluation.championMissingReason).toMatch(/models:\/pima@champion does not exist yet/);

    // The metrics are in MLflow, in a child run of the job run's run.
    const child = await server.services.runs.getRun(evaluation.challenger.runId);
    expect(child.data.metrics.find((m) => m.key === 'roc_auc')?.value).toBeCloseTo(evaluation.challenger.metrics.roc_auc!, 10);
    expect(child.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.parentRunId', value: run.mlflowRunId }]));

    expect(tasks.gate!.stateMessage).toBeNull();
    const gate = tasks.gate!.result as { passed: boolean; results: Array<{ rule: string; passed: boolean; reason: string }> };
    expect(gate.passed).toBe(true);
    expect(gate.results[1]).toMatchObject({ passed: true, reason: expect.stringMatching(/no champion yet: rule passes/) });

    const v1 = await server.services.registry.modelVersions.get('pima', 1);
    expect(v1).toMatchObject({ currentStage: 'Production', aliases: expect.arrayContaining(['champion', 'challenger']) });
    const { events } = await server.services.registry.events.list({ name: 'pima' });
    const byJob = events.filter((e) => e.actor === `job-run:${run.jobRunId}`);
    expect(byJob.map((e) => [e.kind, e.alias, e.toValue]).sort()).toEqual([
      ['alias_set', 'challenger', '1'],
      ['alias_set', 'champion', '1'],
      ['stage_transition', null, 'Production'],
      ['stage_transition', null, 'Staging'],
    ]);
    expect(byJob.every((e) => e.comment?.includes(`job run ${run.jobRunId}`))).toBe(true);
  });

  it('a failing gate fails with a readable reason and blocks the promotion', async () => {
    // Trained on shuffled labels: no better than chance.
    const rng = (() => {
      let s = 7;
      return () => ((s = (s * 16807) % 2147483647) / 2147483647);
    })();
    const labels = Array.from(frame.numbers('Outcome'));
    for (let i = labels.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [labels[i], labels[j]] = [labels[j]!, labels[i]!];
    }
    const columns = Object.fromEntries(frame.columnNames.map((n) => [n, n === 'Outcome' ? labels : Array.from(frame.numbers(n))]));
    const shuffled = (await import('@modelyard/learn')).DataFrame.fromColumns(columns);
    expect(await register(new Pipeline([new StandardScaler()], new LogisticRegression({ c: 1 })).fit(shuffled, 'Outcome'))).toBe('2');

    const { run, tasks } = await runJob();
    expect(run.state).toBe('FAILED');
    expect([tasks.stage!.state, tasks.evaluate!.state, tasks.gate!.state, tasks.promote!.state]).toEqual(['SUCCESS', 'SUCCESS', 'FAILED', 'UPSTREAM_FAILED']);
    expect(tasks.gate!.stateMessage).toMatch(/^gate rule 'challenger\.roc_auc >= 0\.75' failed: 0\.\d+ < 0\.75 \(challenger\.roc_auc = 0\.\d+\); gate rule 'challenger\.roc_auc >= champion\.roc_auc - 0\.01' failed/);
    const gate = tasks.gate!.result as { passed: boolean; challenger: { version: number }; champion: { version: number } };
    expect(gate).toMatchObject({ passed: false, challenger: { version: 2 }, champion: { version: 1 } });

    // Nothing moved: v1 is still the champion in Production, v2 waits in Staging.
    const mv = server.services.registry.modelVersions;
    expect(await mv.get('pima', 1)).toMatchObject({ currentStage: 'Production', aliases: ['champion'] });
    expect(await mv.get('pima', 2)).toMatchObject({ currentStage: 'Staging', aliases: ['challenger'] });
    const { events } = await server.services.registry.events.list({ name: 'pima' });
    expect(events.filter((e) => e.actor === `job-run:${run.jobRunId}` && e.toValue === 'Production')).toEqual([]);
    const log = await server.services.pipelines.jobs.readLog(run.jobRunId, 'gate');
    expect(log.text).toMatch(/FAIL {2}challenger\.roc_auc >= 0\.75/);
  });
});
