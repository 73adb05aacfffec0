import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { Client, Tracker, isNotFound, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import type { JobRunRecord, TaskRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import type { ProjectSpec } from '../../src/domain/pipelines/project-model.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { PIMA_CSV } from '../helpers/datasets.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../../examples');
/** The `central` target's registry in examples/modelyard.yaml; the test points it at its own central server. */
const DEMO_CENTRAL_URI = 'http://127.0.0.1:5001';

function project(text: string, target?: string): ProjectSpec {
  const loaded = loadProject(text, target ? { target } : {});
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.problems));
  return loaded.spec;
}

async function runJob(server: TestServer, jobId: number, parameters: Record<string, string> = {}): Promise<{ run: JobRunRecord; tasks: Record<string, TaskRunRecord> }> {
  const jobs = server.services.pipelines.jobs;
  const started = await jobs.runNow(jobId, { actor: 'tester', parameters });
  const until = Date.now() + 240_000;
  for (;;) {
    const { run, tasks } = await jobs.getRun(started.jobRunId);
    if (isTerminalJobRunState(run.state)) return { run, tasks: Object.fromEntries(tasks.map((t) => [t.taskKey, t])) };
    if (Date.now() > until) throw new Error(`job run ${run.jobRunId} still ${run.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The demo's `central` target with two real servers: `dev` runs the classification job (its train
 * task is the example's own training script), `central` holds the registry. Every registry-facing
 * task works against central; its audit trail names dev's job run; dev's registry stays empty.
 */
describe('a job whose project names a central registry', () => {
  let dev: TestServer;
  let central: TestServer;
  let out: string;

  beforeAll(async () => {
    [dev, central] = await Promise.all([startTestServer(), startTestServer()]);
    out = mkdtempSync(join(tmpdir(), 'modelyard-central-out-'));
  });
  afterAll(async () => {
    await dev?.close();
    await central?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('trains in dev, then stages, evaluates, gates, promotes, scores and deploys against the central registry', async () => {
    const text = readFileSync(join(EXAMPLES, 'modelyard.yaml'), 'utf8');
    expect(text).toContain(`registry_uri: ${DEMO_CENTRAL_URI}`);
    const spec = project(text.replace(DEMO_CENTRAL_URI, central.url), 'central');
    expect(spec.workspace.registryUri).toBe(central.url);
    const deployed = await dev.services.pipelines.jobs.deploy(spec, EXAMPLES);
    const job = deployed.find((j) => j.jobKey === 'classification')!;

    const { run, tasks } = await runJob(dev, job.jobId, { output_dir: out });
    const states = Object.fromEntries(Object.values(tasks).map((t) => [t.taskKey, `${t.state}${t.stateMessage && t.state !== 'SUCCESS' ? `: ${t.stateMessage}` : ''}`]));
    expect(states).toEqual({ train: 'SUCCESS', stage: 'SUCCESS', evaluate: 'SUCCESS', gate: 'SUCCESS', promote: 'SUCCESS', score_holdout: 'SUCCESS', deploy: 'SUCCESS' });
    expect(run.state).toBe('SUCCESS');

    // The central registry holds the version, staged and promoted by the job.
    const centralVersions = central.services.registry.modelVersions;
    expect(await centralVersions.get('diabetes-classifier', 1)).toMatchObject({ currentStage: 'Production', aliases: expect.arrayContaining(['champion', 'challenger']) });
    // Dev's registry was never written: not even the model's name exists there.
    await expect(new Client({ trackingUri: dev.url, env: {} }).registry.getRegisteredModel('diabetes-classifier')).rejects.toSatisfy(isNotFound);

    // Each registry-facing task says which version of central's registry it worked with.
    expect(tasks.evaluate!.result).toMatchObject({ challenger: { name: 'diabetes-classifier', version: 1 }, champion: null });
    expect(tasks.promote!.result).toMatchObject({ kind: 'promote', name: 'diabetes-classifier', version: 1, stage: 'Production', alias: 'champion' });
    expect(tasks.score_holdout!.result).toMatchObject({ kind: 'batch_score', modelName: 'diabetes-classifier', modelVersion: 1 });
    const holdoutRows = readFileSync(join(out, 'pima-holdout.csv'), 'utf8').trim().split('\n').length - 1;
    expect(readFileSync(join(out, 'pima-holdout-scores.csv'), 'utf8').trim().split('\n').length - 1).toBe(holdoutRows);
    expect(tasks.deploy!.result).toMatchObject({ kind: 'deploy', endpointName: 'diabetes-classifier', modelName: 'diabetes-classifier', modelVersion: 1 });
    const log = await dev.services.pipelines.jobs.readLog(run.jobRunId, 'promote');
    expect(log.text).toContain(`model registry: ${central.url} (workspace.registry_uri)`);

    // Dev's endpoint serves central's champion.
    const endpoint = await dev.services.serving.endpoints.get('diabetes-classifier');
    expect(endpoint.config.servedModels).toEqual([{ name: 'diabetes-classifier', modelUri: 'models:/diabetes-classifier@champion', registryUri: central.url }]);
    const shown = (await (await fetch(`${dev.url}/api/v1/serving-endpoints/diabetes-classifier`)).json()) as { config: { served_models: unknown[] } };
    expect(shown.config.served_models).toEqual([
      expect.objectContaining({ model_uri: 'models:/diabetes-classifier@champion', registry_uri: central.url, model_name: 'diabetes-classifier', model_version: '1' }),
    ]);
    const header = readFileSync(join(out, 'pima-holdout.csv'), 'utf8').split('\n')[0]!.split(',');
    const row = readFileSync(join(out, 'pima-holdout.csv'), 'utf8').split('\n')[1]!.split(',').map(Number);
    const features = header.map((c, i) => [c, row[i]] as const).filter(([c]) => c !== 'Outcome');
    const answer = await fetch(`${dev.url}/api/v1/serving-endpoints/diabetes-classifier/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataframe_split: { columns: features.map(([c]) => c), data: [features.map(([, v]) => v)] } }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { predictions: unknown[] }).predictions).toHaveLength(1);

    // Central's audit trail names dev's job run (actor and comment), and nothing else moved there.
    const { items: events } = await new Client({ trackingUri: central.url, env: {} }).registryGovernance.listEvents({ name: 'diabetes-classifier' });
    const byJob = events.filter((e) => e.actor === `job-run:${run.jobRunId}`);
    // The train task's SDK registered as the job run too (MODELYARD_USER in its environment).
    expect(byJob.map((e) => e.kind).sort()).toEqual(['alias_set', 'alias_set', 'model_created', 'stage_transition', 'stage_transition', 'version_created']);
    const moves = byJob.filter((e) => e.kind === 'alias_set' || e.kind === 'stage_transition');
    expect(moves.map((e) => [e.kind, e.alias ?? null, e.to]).sort()).toEqual([
      ['alias_set', 'challenger', '1'],
      ['alias_set', 'champion', '1'],
      ['stage_transition', null, 'Production'],
      ['stage_transition', null, 'Staging'],
    ]);
    for (const e of moves) expect(e.comment).toMatch(new RegExp(`^job run ${run.jobRunId}, task (stage|promote) on ${dev.url.replace(/[.]/g, '\\.')}$`));
    const { events: devEvents } = await dev.services.registry.events.list({});
    expect(devEvents).toEqual([]);

    // A second run registers v2 centrally, gates it against central's champion, and moves dev's endpoint.
    const second = await runJob(dev, job.jobId, { output_dir: out });
    expect(second.run.state).toBe('SUCCESS');
    expect(second.tasks.evaluate!.result).toMatchObject({ challenger: { name: 'diabetes-classifier', version: 2 }, champion: { name: 'diabetes-classifier', version: 1 } });
    // The endpoint's poll may follow central's @champion to v2 before the deploy task looks, so "previous" is 1 or 2.
    expect(second.tasks.deploy!.result).toMatchObject({ modelName: 'diabetes-classifier', modelVersion: 2 });
    expect((await dev.services.serving.endpoints.get('diabetes-classifier')).servedModelStates[0]).toMatchObject({ status: 'READY', loadedModelVersion: '2', registryUri: central.url });
    expect(await centralVersions.get('diabetes-classifier', 1)).toMatchObject({ currentStage: 'Archived', aliases: [] });
    expect(await centralVersions.get('diabetes-classifier', 2)).toMatchObject({ currentStage: 'Production' });
    await expect(new Client({ trackingUri: dev.url, env: {} }).registry.getRegisteredModel('diabetes-classifier')).rejects.toSatisfy(isNotFound);

    // Moving @champion back in central (a rollback there) is followed by dev's endpoint, hot-swapped.
    await new Client({ trackingUri: central.url, env: {} }).registry.setAlias('diabetes-classifier', 'champion', '1');
    const until = Date.now() + 20_000;
    let served = (await dev.services.serving.endpoints.get('diabetes-classifier')).servedModelStates[0];
    while (served?.loadedModelVersion !== '1' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      served = (await dev.services.serving.endpoints.get('diabetes-classifier')).servedModelStates[0];
    }
    expect(served).toMatchObject({ status: 'READY', loadedModelVersion: '1' });
  });

  it("keeps a central version apart from this server's version of the same name and number", async () => {
    const frame = parseCsv(readFileSync(PIMA_CSV, 'utf8'));
    const p = new Pipeline([new StandardScaler()], new LogisticRegression({ c: 1 })).fit(frame, 'Outcome');
    const tracker = new Tracker({ trackingUri: dev.url, env: {} });
    await tracker.setExperiment('dev-local');
    const info = await tracker.withRun({}, () =>
      logModelWith(tracker, toOnnx(p, { name: 'pima' }), { signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()), registeredModelName: 'diabetes-classifier' }),
    );
    expect(info.registeredVersion!.version).toBe('1');

    const runtime = dev.services.serving.runtime;
    const own = await runtime.load('models:/diabetes-classifier/1');
    const fromCentral = await runtime.load('models:/diabetes-classifier/1', { registryUri: central.url });
    try {
      expect(fromCentral.localDir).not.toBe(own.localDir);
      expect(fromCentral.mlmodel.modelUuid).not.toBe(own.mlmodel.modelUuid);
      const atCentral = await central.services.serving.runtime.load('models:/diabetes-classifier/1');
      expect(fromCentral.mlmodel.modelUuid).toBe(atCentral.mlmodel.modelUuid);
      await atCentral.close();
    } finally {
      await own.close();
      await fromCentral.close();
    }
  });

  it('fails a registry task with a message naming the central registry when it does not answer', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const spec = project(`
project: { name: central-down }
workspace: { registry_uri: "${unreachable}" }
jobs:
  promote-only:
    tasks:
      - task_key: promote
        promote_task: { model_uri: "models:/diabetes-classifier@challenger", stage: Production }
`);
    const [job] = await dev.services.pipelines.jobs.deploy(spec, out);
    const { run, tasks } = await runJob(dev, job!.jobId);
    expect(run.state).toBe('FAILED');
    expect(tasks.promote!.state).toBe('FAILED');
    expect(tasks.promote!.stateMessage).toMatch(new RegExp(`^the central registry at ${unreachable.replace(/[.]/g, '\\.')} \\(workspace\\.registry_uri\\) is unreachable: `));
  });

  it('fails a registry task whose registry_uri is not an http(s) server, naming the setting', async () => {
    const spec = project(`
project: { name: central-store-uri }
workspace: { registry_uri: "sqlite:///elsewhere.db" }
jobs:
  promote-only:
    tasks:
      - task_key: promote
        promote_task: { model_uri: "models:/x@challenger", stage: Production }
`);
    const [job] = await dev.services.pipelines.jobs.deploy(spec, out);
    const { tasks } = await runJob(dev, job!.jobId);
    expect(tasks.promote!.state).toBe('FAILED');
    expect(tasks.promote!.stateMessage).toMatch(/^workspace\.registry_uri 'sqlite:\/\/\/elsewhere\.db' is not an http\(s\) server URL/);
  });
});
