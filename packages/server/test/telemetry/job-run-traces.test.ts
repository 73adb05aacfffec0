import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobRunTraceIds, attemptSpanId } from '../../src/telemetry/trace-ids.js';
import { AttemptStore } from '../../src/stores/jobs/attempt-store.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createHarness, waitForRunEnd, waitUntil } from '../pipelines/pipeline-harness.js';
import type { Harness } from '../pipelines/pipeline-harness.js';
import { TRACED_TASK_SCRIPT, tracedProcess } from './telemetry-harness.js';
import type { TracedProcess } from './telemetry-harness.js';

const NODE = JSON.stringify(process.execPath);

interface Seen {
  task: string;
  attempt: number;
  jobRunId: number;
  traceparent?: string;
  endpoint?: string;
}

describeEachDialect('job run traces', (ctx) => {
  let h: Harness;
  let p: TracedProcess;
  const seen = (jobRunId: number): Seen[] =>
    existsSync(join(h.projectDir, 'traced.jsonl'))
      ? readFileSync(join(h.projectDir, 'traced.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen).filter((s) => s.jobRunId === jobRunId)
      : [];

  beforeAll(async () => {
    p = await tracedProcess(ctx);
    h = await createHarness(ctx, { killGraceMs: 200, runner: { tracing: p.tracer } });
    h.write('traced.js', TRACED_TASK_SCRIPT);
  });
  afterAll(async () => {
    await h?.close();
    await p?.tracing.shutdown();
  });

  it('gives a job run one trace: a root span and a span per task attempt, failures recorded, TRACEPARENT passed on', async () => {
    const jobs = await h.deploy(`
project: { name: traced }
jobs:
  train:
    tasks:
      - { task_key: prepare, command_task: { command: [${NODE}, traced.js, "0"] } }
      - { task_key: fit, depends_on: [{ task_key: prepare }], max_retries: 1, command_task: { command: [${NODE}, traced.js, "2"] } }
      - { task_key: register, depends_on: [{ task_key: fit }], command_task: { command: [${NODE}, traced.js, "0"] } }
`);
    const started = await h.jobs.runNow(jobs.train!.jobId, { actor: 'alice' });
    const run = await waitForRunEnd(h, started.jobRunId);
    expect(run.state).toBe('SUCCESS');
    await p.tracing.forceFlush();

    const traces = await p.spans.listTraces({ jobRunId: run.jobRunId });
    expect(traces).toHaveLength(1);
    const { traceId, rootSpanId } = jobRunTraceIds(run);
    expect(traces[0]).toMatchObject({ traceId, spanCount: 5, errorCount: 1, jobRunId: run.jobRunId, jobKey: 'train', runId: run.mlflowRunId, experimentId: run.mlflowExperimentId });

    const spans = await p.spans.getTrace(traceId);
    const root = spans.find((s) => s.parentSpanId === null)!;
    expect(root).toMatchObject({ spanId: rootSpanId, name: 'job train', statusCode: 'OK' });
    expect(root.attributes).toMatchObject({
      'modelyard.job_run_id': run.jobRunId,
      'modelyard.operation': 'job_run',
      'modelyard.state': 'SUCCESS',
      'mlflow.run_id': run.mlflowRunId,
      'mlflow.experiment_id': run.mlflowExperimentId,
    });
    expect(root.startTimeUs).toBe(run.startTime! * 1000);

    const attempts = spans.filter((s) => s.parentSpanId !== null);
    expect(attempts.map((s) => [s.name, s.attributes['modelyard.attempt_number'], s.statusCode])).toEqual([
      ['task prepare', 1, 'OK'],
      ['task fit', 1, 'ERROR'],
      ['task fit', 2, 'OK'],
      ['task register', 1, 'OK'],
    ]);
    const attemptRows = await new AttemptStore(ctx.db, ctx.caps).list(run.jobRunId);
    for (const s of attempts) {
      expect(s.traceId).toBe(traceId);
      expect(s.parentSpanId).toBe(rootSpanId);
      expect(s.attributes).toMatchObject({
        'mlflow.run_id': run.mlflowRunId,
        'mlflow.experiment_id': run.mlflowExperimentId,
        'modelyard.job_run_id': run.jobRunId,
        'modelyard.task_key': s.name.slice('task '.length),
        'modelyard.operation': 'task_attempt',
        'modelyard.task_type': 'command',
      });
      const row = attemptRows.find((a) => a.taskKey === s.attributes['modelyard.task_key'] && a.attemptNumber === s.attributes['modelyard.attempt_number'])!;
      expect(s.spanId).toBe(attemptSpanId(traceId, row.attemptId));
      // Each attempt span lies within the root span.
      expect(s.startTimeUs).toBeGreaterThanOrEqual(root.startTimeUs);
      expect(s.endTimeUs).toBeLessThanOrEqual(root.endTimeUs);
    }
    const failed = attempts[1]!;
    expect(failed.attributes).toMatchObject({ 'modelyard.state': 'FAILED', 'modelyard.exit_code': 3 });
    expect(failed.statusMessage).toMatch(/code 3/);
    expect(failed.events).toEqual([expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.type': 'TaskFailed', 'exception.message': failed.statusMessage }) })]);

    // Every task process got its own attempt span as parent.
    const processes = seen(run.jobRunId);
    expect(processes).toHaveLength(4);
    for (const proc of processes) {
      const span = attempts.find((s) => s.attributes['modelyard.task_key'] === proc.task && s.attributes['modelyard.attempt_number'] === proc.attempt)!;
      expect(proc.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
      expect(proc.endpoint).toBe('http://127.0.0.1:5999/v1/traces');
    }

    // The attempt's log lines carry the same ids.
    const ended = p.logs.lines.filter((l) => l.job_run_id === run.jobRunId && (l.msg === 'task attempt ended' || l.msg === 'task attempt did not succeed'));
    expect(ended).toHaveLength(4);
    for (const l of ended) {
      const span = attempts.find((s) => s.spanId === l.span_id)!;
      expect(l).toMatchObject({ trace_id: traceId, task_key: span.attributes['modelyard.task_key'], run_id: run.mlflowRunId, experiment_id: run.mlflowExperimentId });
    }

    const stages = await p.spans.stageDurations({ jobKey: 'train' });
    expect(stages.map((s) => [s.taskKey, s.count, s.failedCount])).toEqual([
      ['prepare', 1, 0],
      ['fit', 2, 1],
      ['register', 1, 0],
    ]);
  });

  it('continues the same trace when another runner recovers the run after its runner stopped', async () => {
    const jobs = await h.deploy(`
project: { name: traced }
jobs:
  recover:
    tasks:
      - { task_key: slow, max_retries: 1, command_task: { command: [${NODE}, traced.js, "0", "600"] } }
`);
    const first = await h.another({ runner: { tracing: p.tracer } });
    const started = await first.jobs.runNow(jobs.recover!.jobId, { actor: 'alice' });
    await waitUntil(() => seen(started.jobRunId).length === 1);
    // The first runner's process goes away mid-attempt (its task process is stopped with it).
    await first.runner.stop();

    const second = await tracedProcess(ctx);
    try {
      const restarted = h.another({ runner: { tracing: second.tracer, staleAfterMs: 10_000 } });
      expect(await restarted.runner.recoverStale()).toBe(1);
      const run = await waitForRunEnd(restarted, started.jobRunId);
      expect(run.state).toBe('SUCCESS');
      await second.tracing.forceFlush();
      await p.tracing.forceFlush();

      const { traceId, rootSpanId } = jobRunTraceIds(run);
      const spans = await p.spans.getTrace(traceId);
      const attempts = spans.filter((s) => s.parentSpanId === rootSpanId).map((s) => [s.attributes['modelyard.attempt_number'], s.attributes['modelyard.state']]);
      expect(attempts).toEqual([
        [1, 'LOST'],
        [2, 'SUCCESS'],
      ]);
      expect(spans.filter((s) => s.parentSpanId === null).map((s) => s.spanId)).toEqual([rootSpanId]);
      // The lost attempt's span is the one its process was told about.
      const lost = spans.find((s) => s.attributes['modelyard.attempt_number'] === 1)!;
      expect(seen(run.jobRunId).map((s) => s.traceparent)).toEqual([`00-${traceId}-${lost.spanId}-01`, expect.stringContaining(traceId)]);
    } finally {
      await second.tracing.shutdown();
    }
  });
});
