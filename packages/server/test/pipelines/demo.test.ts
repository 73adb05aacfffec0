import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo/run-demo.js';
import type { DemoOutcome } from '../../src/cli/demo/run-demo.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../../examples');
const PROJECT = join(EXAMPLES, 'modelyard.yaml');

interface SpanJson {
  trace_id: string;
  attributes: Record<string, unknown>;
}

/**
 * The spans of a job run's trace, through the traces API. Spans reach the store in batches a
 * moment after they end, so this asks until the trace holds an attempt span for every expected
 * task (or gives up and returns what is there, for the assertion to show).
 */
async function traceSpansAt(url: string, jobRunId: number, taskKeys: string[]): Promise<{ traceCount: number; spans: SpanJson[] }> {
  let last: { traceCount: number; spans: SpanJson[] } = { traceCount: 0, spans: [] };
  for (let i = 0; i < 50; i++) {
    const list = (await (await fetch(`${url}/api/v1/traces?job_run_id=${jobRunId}`)).json()) as { traces?: Array<{ trace_id: string }> };
    const traces = list.traces ?? [];
    if (traces.length > 0) {
      const body = (await (await fetch(`${url}/api/v1/traces/${traces[0]!.trace_id}`)).json()) as { spans: SpanJson[] };
      last = { traceCount: traces.length, spans: body.spans };
      const seen = new Set(body.spans.map((s) => s.attributes['modelyard.task_key']));
      if (taskKeys.every((k) => seen.has(k))) return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** Data rows of a CSV file (header excluded). */
function csvRows(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length - 1;
}

/**
 * `npm start`'s demo against a real server (its runner, registry, runtime, serving endpoints),
 * run twice on one store: the first run has no champion, the second gates v2 against v1.
 */
describe('the demo project end to end', () => {
  let server: TestServer;
  let out: string;
  const printed: string[] = [];
  const traceSpans = (jobRunId: number, taskKeys: string[]) => traceSpansAt(server.url, jobRunId, taskKeys);
  const demo = () => runDemo({ projectFile: PROJECT, parameters: { output_dir: out }, services: server.services, serverUrl: server.url, write: (t) => printed.push(t) });

  beforeAll(async () => {
    server = await startTestServer();
    out = mkdtempSync(join(tmpdir(), 'modelyard-demo-out-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('trains, registers, gates, promotes, batch-scores and serves both models; a second run gates the new versions against the champions', async () => {
    const first: DemoOutcome = await demo();
    const summary = printed.join('');
    expect(first.report.runs.map((r) => [r.jobKey, r.state])).toEqual([
      ['classification', 'SUCCESS'],
      ['regression', 'SUCCESS'],
    ]);
    expect(first.ok).toBe(true);

    const mv = server.services.registry.modelVersions;
    for (const name of ['diabetes-classifier', 'diabetes-regressor']) {
      const v1 = await mv.get(name, 1);
      expect(v1.currentStage).toBe('Production');
      expect([...v1.aliases].sort()).toEqual(['challenger', 'champion']);
    }
    expect(first.report.gates.map((g) => [g.task, g.passed, g.champion])).toEqual([
      ['classification.gate', true, 'none (no champion yet)'],
      ['regression.gate', true, 'none (no champion yet)'],
    ]);

    // Scoring outputs: one row per input row.
    const holdout = join(out, 'pima-holdout.csv');
    const pimaScores = join(out, 'pima-holdout-scores.csv');
    const regressionScores = join(out, 'sklearn-diabetes-batch-scores.csv');
    expect(existsSync(pimaScores) && existsSync(regressionScores)).toBe(true);
    expect(csvRows(pimaScores)).toBe(csvRows(holdout));
    expect(csvRows(holdout)).toBeGreaterThan(100);
    expect(csvRows(regressionScores)).toBe(csvRows(join(EXAMPLES, 'diabetes-regression/data/sklearn_diabetes_batch_input.csv')));
    expect(first.report.scoring.map((s) => [s.task, s.rows])).toEqual([
      ['classification.score_holdout', csvRows(holdout)],
      ['regression.score_batch', csvRows(regressionScores)],
    ]);

    // Both endpoints answer the summary's curl request over HTTP, with one prediction per row.
    expect(first.report.endpoints.map((e) => [e.endpoint, e.model])).toEqual([
      ['diabetes-classifier', 'diabetes-classifier v1'],
      ['diabetes-regressor', 'diabetes-regressor v1'],
    ]);
    for (const e of first.report.endpoints) {
      expect(e.answer?.status).toBe(200);
      expect((JSON.parse(e.answer!.body) as { predictions: unknown[] }).predictions).toHaveLength(2);
      expect(e.curl).toMatch(new RegExp(`^curl -s -X POST ${server.url}/api/v1/serving-endpoints/${e.endpoint}/invocations `));
    }
    for (const text of ['gate decisions:', 'batch scoring:', 'curl -s -X POST', `${server.url}/api/2.0/mlflow`]) expect(summary).toContain(text);

    // One trace per job run, with a span per task attempt (every task ran once).
    for (const run of first.report.runs) {
      const { traceCount, spans } = await traceSpans(run.jobRunId, run.tasks.map((t) => t.taskKey));
      expect(traceCount).toBe(1);
      const attemptKeys = spans.filter((s) => s.attributes['modelyard.operation'] === 'task_attempt').map((s) => s.attributes['modelyard.task_key']);
      expect(attemptKeys.sort()).toEqual(run.tasks.map((t) => t.taskKey).sort());
      // The UI's trace page, which a person opens from the summary (not the JSON API).
      expect(run.traceUrl).toBe(`${server.url}/traces/${spans[0]!.trace_id}`);
      expect(summary).toContain(`trace:      ${run.traceUrl}`);
    }

    // The second run: each new version is the challenger, evaluated against v1 on the same holdout.
    const second = await demo();
    for (const g of second.report.gates) expect(g.champion).toMatch(/^diabetes-(classifier|regressor) v1$/);
    for (const g of second.report.gates) expect(g.challenger).toMatch(/ v2$/);
    for (const name of ['diabetes-classifier', 'diabetes-regressor']) {
      const v2 = await mv.get(name, 2);
      const passed = second.report.gates.find((g) => g.challenger === `${name} v2`)!.passed;
      // Promoted exactly when its gate passed; the old champion is archived only then.
      expect(v2.aliases.includes('champion')).toBe(passed);
      expect(v2.currentStage).toBe(passed ? 'Production' : 'Staging');
      expect((await mv.get(name, 1)).currentStage).toBe(passed ? 'Archived' : 'Production');
    }
    expect(second.ok).toBe(true);
  }, 120_000);
});
