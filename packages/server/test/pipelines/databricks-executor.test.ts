import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import type { JobRunDetails } from '../../src/services/pipelines/job-service.js';
import { DatabricksExecutor, parseExecutorRef } from '../../src/worker/databricks/databricks-executor.js';
import { readBackendConfig, runCommandOnDatabricks } from '../../src/worker/databricks/run-command-remotely.js';
import { Client } from '@modelyard/sdk';
import { runProject } from '../../src/projects/run-project.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * The Databricks executor end to end, against a second Modelyard server standing in for the
 * workspace (it serves the Jobs API 2.2 and the Workspace API the executor calls, and runs
 * spark_python_tasks with the local Python). Server A runs the job: its `train` task has
 * compute.databricks pointing at server B, so A uploads the project to B's workspace, submits it
 * with runs/submit, polls runs/get and reads runs/get-output, all through the Databricks SDK;
 * `promote` runs in A. The remote script logs into A's MLflow run and registers the model in A's
 * registry over HTTP, as remote code on a real cluster would.
 */


const missingConfigFile = join(tmpdir(), 'modelyard-no-such-dir', '.databrickscfg');

let a: TestServer;
let b: TestServer;
let projectDir: string;
const saved = { token: process.env.DATABRICKS_TOKEN, file: process.env.DATABRICKS_CONFIG_FILE };

const TRAIN = `
import json, os, sys, time, urllib.request

def call(path, body):
    req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/" + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)

mode, alpha = sys.argv[1], sys.argv[2]
print("training on the cluster, alpha=" + alpha + ", cwd=" + os.path.basename(os.getcwd()), flush=True)
if mode == "fail":
    raise ValueError("alpha " + alpha + " is out of range")
if mode == "sleep":
    time.sleep(60)
from helpers import describe
run_id = os.environ["MLFLOW_RUN_ID"]
call("runs/log-metric", {"run_id": run_id, "key": "rmse", "value": 0.25, "timestamp": 0, "step": 0})
try:
    call("registered-models/create", {"name": "remote-model"})
except Exception:
    pass
v = call("model-versions/create", {"name": "remote-model", "source": "runs:/" + run_id + "/model", "run_id": run_id})
print(describe(v["model_version"]["version"]), flush=True)
`;

function project(mode: string, opts: { timeout?: number; extraTasks?: string } = {}): string {
  return `
project: { name: remote-demo }
jobs:
  train_and_promote:
    tasks:
      - task_key: train
        ${opts.timeout ? `timeout_seconds: ${opts.timeout}` : ''}
        command_task:
          command: [python3, src/train.py, ${mode}, '0.5']
        compute:
          databricks:
            host: ${b.url}
            cluster_json: cluster.json
      - task_key: promote
        depends_on: [{ task_key: train }]
        promote_task: { model_uri: "models:/remote-model/1", alias: champion }
`;
}

async function runJob(yaml: string, during?: (jobRunId: number) => Promise<void>): Promise<JobRunDetails> {
  const loaded = loadProject(yaml);
  if (!loaded.spec) throw new Error(`invalid test project: ${JSON.stringify(loaded.problems)}`);
  const [job] = await a.services.pipelines.jobs.deploy(loaded.spec, projectDir);
  const run = await a.services.pipelines.jobs.runNow(job!.jobId, { actor: null });
  if (during) await during(run.jobRunId);
  const until = Date.now() + 60_000;
  for (;;) {
    const details = await a.services.pipelines.jobs.getRun(run.jobRunId);
    if (isTerminalJobRunState(details.run.state) && !a.services.pipelines.runner.isDriving(run.jobRunId)) return details;
    if (Date.now() > until) throw new Error(`job run ${run.jobRunId} still ${details.run.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Server B's view of the one-time run A submitted for an attempt. */
type RemoteState = { life_cycle_state: string; result_state?: string; state_message?: string };
async function remoteRun(executorRef: string | null): Promise<{ state: RemoteState; tasks: Array<{ state: RemoteState }> }> {
  const ref = parseExecutorRef(executorRef);
  expect(ref?.host).toBe(b.url);
  const res = await fetch(`${b.url}/api/2.1/jobs/runs/get?run_id=${ref!.runId}`);
  return (await res.json()) as never;
}

async function waitForAttemptRunning(jobRunId: number, taskKey: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const d = await a.services.pipelines.jobs.getRun(jobRunId);
    const att = d.attempts.find((x) => x.taskKey === taskKey);
    if (att?.state === 'RUNNING' && att.executorRef) {
      // Running on B too, so the cancel has a live process to stop.
      const remote = await remoteRun(att.executorRef);
      if (remote.state.life_cycle_state === 'RUNNING') {
        const out = await fetch(`${b.url}/api/2.1/jobs/runs/list?active_only=true&expand_tasks=true`).then((r) => r.json() as Promise<{ runs?: Array<{ tasks?: Array<{ run_id: number }> }> }>);
        const taskRunId = out.runs?.[0]?.tasks?.[0]?.run_id;
        if (taskRunId) {
          const o = await fetch(`${b.url}/api/2.1/jobs/runs/get-output?run_id=${taskRunId}`).then((r) => r.json() as Promise<{ logs?: string }>);
          if (o.logs?.includes('training on the cluster')) return;
        }
      }
    }
    if (Date.now() > until) throw new Error('the remote attempt never started');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // The executor's SDK reads credentials as the Databricks SDK does: a PAT from the environment,
  // and no developer's ~/.databrickscfg.
  process.env.DATABRICKS_TOKEN = 'dapi-modelyard-test';
  process.env.DATABRICKS_CONFIG_FILE = missingConfigFile;
  b = await startTestServer({ config: { } });
  a = await startTestServer();
  projectDir = mkdtempSync(join(tmpdir(), 'modelyard-remote-project-'));
  mkdirSync(join(projectDir, 'src'));
  writeFileSync(join(projectDir, 'src', 'train.py'), TRAIN);
  writeFileSync(join(projectDir, 'src', 'helpers.py'), 'def describe(version):\n    return "registered version " + str(version)\n');
  writeFileSync(join(projectDir, 'cluster.json'), JSON.stringify({ spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 }));
  mkdirSync(join(projectDir, '.git'));
  writeFileSync(join(projectDir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  rmSync(projectDir, { recursive: true, force: true });
  if (saved.token === undefined) delete process.env.DATABRICKS_TOKEN;
  else process.env.DATABRICKS_TOKEN = saved.token;
  if (saved.file === undefined) delete process.env.DATABRICKS_CONFIG_FILE;
  else process.env.DATABRICKS_CONFIG_FILE = saved.file;
});

describe('Databricks executor against a second Modelyard server', () => {
  it('runs the training task remotely and the promote task locally', async () => {
    const details = await runJob(project('ok'));
    expect(details.run.state, details.run.stateMessage ?? '').toBe('SUCCESS');
    const train = details.attempts.find((x) => x.taskKey === 'train')!;
    expect(train.state).toBe('SUCCESS');
    expect(train.stateMessage).toMatch(/^Databricks run \d+ succeeded$/);
    expect(train.executorRef).toMatch(/^databricks:\d+@http:\/\/127\.0\.0\.1:\d+$/);
    expect(train.executor).toBe('databricks');
    // The remote run's logs came back through runs/get-output into A's attempt log.
    const log = readFileSync(train.stdoutPath!, 'utf8');
    expect(log).toContain('training on the cluster, alpha=0.5, cwd=');
    expect(log).toContain('registered version 1');
    // The remote code logged into the job run's MLflow run in A.
    const mlflowRun = await a.services.runs.getRun(details.run.mlflowRunId!);
    expect(mlflowRun.data.metrics.map((m) => m.key)).toContain('rmse');
    // promote ran here, on what the remote task registered here.
    const version = await a.services.registry.modelVersions.getByAlias('remote-model', 'champion');
    expect(version.version).toBe(1);
    expect(details.attempts.find((x) => x.taskKey === 'promote')!.executor).not.toBe('databricks');
    // B ran it as a one-time run with the cluster from cluster.json accepted (and ignored).
    const remote = await remoteRun(train.executorRef);
    expect(remote.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    // The upload was removed from B's workspace once the run ended; .git was never shipped.
    const status = await fetch(`${b.url}/api/2.0/workspace/list?path=/Shared/modelyard/attempts`).then((r) => r.json() as Promise<{ objects?: unknown[] }>);
    expect(status.objects ?? []).toEqual([]);
  });

  it('surfaces a remote failure with its message and error trace', async () => {
    const details = await runJob(project('fail'));
    expect(details.run.state).toBe('FAILED');
    const train = details.attempts.find((x) => x.taskKey === 'train')!;
    expect(train.state).toBe('FAILED');
    expect(train.stateMessage).toMatch(/^Databricks run \d+ failed: .*ValueError: alpha 0\.5 is out of range/);
    const stderr = readFileSync(train.stderrPath!, 'utf8');
    expect(stderr).toContain('Traceback');
    expect(stderr).toContain('ValueError: alpha 0.5 is out of range');
    expect(details.tasks.find((t) => t.taskKey === 'promote')!.state).toBe('UPSTREAM_FAILED');
  });

  it('runs a shell command task on the driver: its exit code fails the run', async () => {
    const details = await runJob(`
project: { name: remote-demo }
jobs:
  shell_job:
    compute: { databricks: { host: "${b.url}", existing_cluster_id: 0923-164208-meows279 } }
    tasks:
      - task_key: prep
        command_task:
          command: echo "prep for job run $MODELYARD_JOB_RUN_ID in $(basename $PWD)"; exit 3
          working_directory: src
`);
    const prep = details.attempts.find((x) => x.taskKey === 'prep')!;
    expect(prep.state).toBe('FAILED');
    expect(prep.stateMessage).toMatch(/^Databricks run \d+ failed: .*RuntimeError: the command exited with code 3/);
    expect(readFileSync(prep.stdoutPath!, 'utf8')).toBe(`prep for job run ${details.run.jobRunId} in src\n`);
  });

  it('propagates a cancel: the remote run is canceled', async () => {
    const details = await runJob(project('sleep'), async (jobRunId) => {
      await waitForAttemptRunning(jobRunId, 'train');
      await a.services.pipelines.runner.cancel(jobRunId, null);
    });
    expect(details.run.state).toBe('CANCELED');
    const train = details.attempts.find((x) => x.taskKey === 'train')!;
    expect(train.state).toBe('CANCELED');
    const remote = await remoteRun(train.executorRef);
    expect(remote.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
  });

  it('propagates timeout_seconds: the attempt times out and the remote run is canceled', async () => {
    const details = await runJob(project('sleep', { timeout: 3 }));
    const train = details.attempts.find((x) => x.taskKey === 'train')!;
    expect(train.state).toBe('TIMEDOUT');
    expect(details.run.state).not.toBe('SUCCESS');
    // Both sides enforce the limit (it is sent with runs/submit too): whichever fires first, the
    // remote task ends timed out or canceled.
    const remote = await remoteRun(train.executorRef);
    expect(remote.state.life_cycle_state).toBe('TERMINATED');
    expect(['CANCELED', 'TIMEDOUT']).toContain(remote.tasks[0]!.state.result_state);
  });

  it('runs one project command outside a job, with MLflow\'s --backend-config (the projects backend)', async () => {
    const compute = { ...(await readBackendConfig('cluster.json', projectDir)), host: b.url };
    expect(compute.newCluster).toMatchObject({ num_workers: 1 });
    const logDir = mkdtempSync(join(tmpdir(), 'modelyard-remote-logs-'));
    try {
      const outcome = await runCommandOnDatabricks({
        projectDir,
        command: 'python3 -c "import os; print(\'run \' + os.environ[\'MLFLOW_RUN_ID\'])"',
        env: { MLFLOW_RUN_ID: 'abc123' },
        compute,
        logDir,
        runName: 'mlflow project main',
      });
      expect(outcome.state, outcome.message).toBe('SUCCESS');
      expect(readFileSync(outcome.stdoutPath, 'utf8')).toBe('run abc123\n');
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
    expect(await readBackendConfig('{"existing_cluster_id": "0923-abc", "libraries": [{"pypi": {"package": "x"}}]}', projectDir)).toEqual({ existingClusterId: '0923-abc', libraries: [{ pypi: { package: 'x' } }] });
    await expect(readBackendConfig('nope.json', projectDir)).rejects.toThrow('cannot read --backend-config');
    await expect(readBackendConfig('{"num_workers": ', projectDir)).rejects.toThrow('--backend-config is not JSON');
  });

  it('runs an MLflow project with --backend databricks --backend-config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyard-mlproject-'));
    try {
      writeFileSync(join(dir, 'MLproject'), 'name: remote\nentry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: 0.1}\n    command: "python3 train.py --alpha {alpha}"\n');
      writeFileSync(
        join(dir, 'train.py'),
        'import json, os, sys, urllib.request\n' +
          'body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "alpha", "value": float(sys.argv[2]), "timestamp": 0}).encode()\n' +
          'urllib.request.urlopen(urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric", data=body, headers={"content-type": "application/json"}))\n' +
          'print("remote project ran with alpha " + sys.argv[2])\n',
      );
      const logs: string[] = [];
      const outcome = await runProject({
        uri: dir,
        entryPoint: 'main',
        parameters: new Map([['alpha', '0.7']]),
        envManager: 'local',
        backend: 'databricks',
        backendConfig: JSON.stringify({ host: b.url, new_cluster: { spark_version: '15.4.x-cpu-ml-scala2.12', num_workers: 1 } }),
        client: new Client({ trackingUri: a.url, maxRetries: 0 }),
        cacheDir: join(dir, '.cache'),
        envCacheDir: join(dir, '.envs'),
        log: (m) => logs.push(m),
      });
      expect(outcome.exitCode, logs.join('\n')).toBe(0);
      expect(outcome.status).toBe('FINISHED');
      const run = await a.services.runs.getRun(outcome.runId);
      expect(run.data.metrics.find((m) => m.key === 'alpha')?.value).toBe(0.7);
      expect(run.data.tags.find((t) => t.key === 'mlflow.project.backend')?.value).toBe('databricks');
      expect(logs.join('\n')).toMatch(/Databricks run \d+ succeeded/);
      await expect(runProject({ uri: dir, entryPoint: 'main', parameters: new Map(), envManager: 'local', backend: 'databricks', client: new Client({ trackingUri: a.url, maxRetries: 0 }), cacheDir: dir, envCacheDir: dir, log: () => {} })).rejects.toThrow('--backend databricks needs --backend-config');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('abandon (recovery after a dead runner) cancels the remote run its reference names', async () => {
    const submit = await fetch(`${b.url}/api/2.1/jobs/runs/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tasks: [{ task_key: 'orphan', command_task: { command: ['/bin/sleep', '60'] } }] }),
    }).then((r) => r.json() as Promise<{ run_id: number }>);
    const ref = `databricks:${submit.run_id}@${b.url}`;
    await new DatabricksExecutor().abandon({ attemptId: 1, executorRef: ref });
    const until = Date.now() + 20_000;
    let state = (await remoteRun(ref)).state;
    while (state.life_cycle_state !== 'TERMINATED' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await remoteRun(ref)).state;
    }
    expect(state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
    // A reference that is not a Databricks run's, or names nothing, is ignored.
    await new DatabricksExecutor().abandon({ attemptId: 2, executorRef: '12345' });
    await new DatabricksExecutor().abandon({ attemptId: 3, executorRef: `databricks:999999@${b.url}` });
  });

  it('fails the attempt with a clear message when no credentials are found', async () => {
    const token = process.env.DATABRICKS_TOKEN;
    delete process.env.DATABRICKS_TOKEN;
    try {
      const details = await runJob(project('ok'));
      const train = details.attempts.find((x) => x.taskKey === 'train')!;
      expect(train.state).toBe('FAILED');
      expect(train.stateMessage).toContain('cannot connect to the Databricks workspace');
    } finally {
      process.env.DATABRICKS_TOKEN = token;
    }
  });
});


