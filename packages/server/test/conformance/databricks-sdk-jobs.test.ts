import { afterAll, beforeAll, expect, it } from 'vitest';
import { Time, TimeUnits } from '@databricks/sdk-experimental';
import type { WorkspaceClient, jobs } from '@databricks/sdk-experimental';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { describeEachServer } from '../helpers/mlflow-http.js';
import { collect, databricksClient, requestLog, sdkFailure } from './databricks-sdk-client.js';

/**
 * Conformance with `@databricks/sdk-experimental`'s `WorkspaceClient.jobs` (which calls the Jobs
 * API under /api/2.2): jobs created, run, waited for with the SDK's own waiters (they poll
 * runs/get until life_cycle_state is TERMINATED or SKIPPED), task output read, a failed run
 * repaired, runs listed page by page, jobs reset, updated and deleted. Tasks are Modelyard's
 * command tasks running this very Node binary, so nothing outside the test is needed.
 */

const NODE = process.execPath;
const WAIT = { timeout: new Time(60, TimeUnits.seconds) };

/** Modelyard's task kinds are not in the Databricks SDK's types; the SDK sends whatever it is given. */
const tasks = (t: Array<Record<string, unknown>>) => t as unknown as jobs.Task[];
const node = (script: string) => ({ command: [NODE, '-e', script] });

describeEachServer('Databricks SDK jobs service', (ctx) => {
  let sdk: { client: WorkspaceClient; close(): void };

  beforeAll(() => {
    sdk = databricksClient(ctx.server.url);
  });
  afterAll(() => sdk.close());

  const api = () => sdk.client.jobs;
  const raw = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${ctx.server.url}/api/2.1/jobs${path}`, {
      method,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    return { status: res.status, body: (await res.json()) as { error_code?: string; message?: string } & Record<string, unknown> };
  };

  it('creates a multi-task job, runs it with parameters, waits with the SDK waiter and reads a task output', async () => {
    const { job_id } = await api().create({
      name: 'sdk-multi-task',
      parameters: [{ name: 'alpha', default: '0.5' }],
      max_concurrent_runs: 2,
      tags: { team: 'conformance' },
      schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'Europe/Paris', pause_status: 'PAUSED' },
      tasks: tasks([
        { task_key: 'prepare', command_task: node("console.log('prepared')") },
        {
          task_key: 'train',
          depends_on: [{ task_key: 'prepare' }],
          max_retries: 1,
          timeout_seconds: 120,
          command_task: { command: [NODE, '-e', 'console.log("alpha=" + process.argv[1])', '{{job.parameters.alpha}}'] },
        },
        { task_key: 'report', depends_on: [{ task_key: 'train' }], run_if: 'ALL_DONE', command_task: { command: 'echo report for run {{job.run_id}}' } },
      ]),
    });
    expect(job_id).toEqual(expect.any(Number));

    const job = await api().get({ job_id: job_id! });
    expect(job).toMatchObject({
      job_id,
      created_time: expect.any(Number),
      settings: {
        name: 'sdk-multi-task',
        format: 'MULTI_TASK',
        max_concurrent_runs: 2,
        parameters: [{ name: 'alpha', default: '0.5' }],
        schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'Europe/Paris', pause_status: 'PAUSED' },
        tags: { team: 'conformance' },
      },
    });
    expect(job.settings?.tasks?.map((t) => [t.task_key, t.depends_on?.map((d) => d.task_key) ?? [], t.run_if])).toEqual([
      ['prepare', [], 'ALL_SUCCESS'],
      ['train', ['prepare'], 'ALL_SUCCESS'],
      ['report', ['train'], 'ALL_DONE'],
    ]);

    const waiter = await api().runNow({ job_id: job_id!, job_parameters: { alpha: '0.7' } });
    expect(waiter.run_id).toEqual(expect.any(Number));
    const run = await waiter.wait(WAIT);
    expect(run).toMatchObject({
      job_id,
      run_id: waiter.run_id,
      run_type: 'JOB_RUN',
      trigger: 'ONE_TIME',
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS' } },
      job_parameters: [{ name: 'alpha', default: '0.5', value: '0.7' }],
    });
    expect(run.end_time).toBeGreaterThanOrEqual(run.start_time!);
    expect(run.tasks?.map((t) => [t.task_key, t.state?.life_cycle_state, t.state?.result_state, t.attempt_number])).toEqual([
      ['prepare', 'TERMINATED', 'SUCCESS', 0],
      ['train', 'TERMINATED', 'SUCCESS', 0],
      ['report', 'TERMINATED', 'SUCCESS', 0],
    ]);

    const trainRunId = run.tasks!.find((t) => t.task_key === 'train')!.run_id!;
    const output = await api().getRunOutput({ run_id: trainRunId });
    expect(output.logs).toBe('alpha=0.7\n');
    expect(output.metadata).toMatchObject({ job_id, run_id: trainRunId, job_run_id: run.run_id, state: { result_state: 'SUCCESS' } });
    const report = await api().getRunOutput({ run_id: run.tasks!.find((t) => t.task_key === 'report')!.run_id! });
    expect(report.logs).toBe(`report for run ${run.run_id}\n`);

    // As in Databricks, the output of a whole multi-task run is refused, pointing at the task runs.
    const whole = await sdkFailure(api().getRunOutput({ run_id: run.run_id! }));
    expect(whole).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(whole.message).toContain('Retrieving the output of runs with multiple tasks is not supported');
    expect(whole.message).toContain(`train: ${trainRunId}`);

    // runs/get also answers for a task run id.
    expect(await api().getRun({ run_id: trainRunId })).toMatchObject({ run_id: trainRunId, job_run_id: run.run_id, task_key: 'train' });
  });

  it('repairs a failed run: the failed task and the one it blocked run again in the same run', async () => {
    const { job_id } = await api().create({
      name: 'sdk-repair',
      tasks: tasks([
        // Fails the first time (and leaves a marker in the job's folder), succeeds after.
        { task_key: 'flaky', command_task: { command: "test -f passed.marker || { touch passed.marker; echo 'first try fails' >&2; exit 3; }" } },
        { task_key: 'after', depends_on: [{ task_key: 'flaky' }], command_task: node("console.log('after')") },
      ]),
    });
    const failed = await (await api().runNow({ job_id: job_id! })).wait(WAIT);
    expect(failed.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    const byKey = (r: jobs.Run, key: string) => r.tasks!.find((t) => t.task_key === key)!;
    expect(byKey(failed, 'flaky').state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    expect(byKey(failed, 'after').state).toMatchObject({ life_cycle_state: 'SKIPPED', result_state: 'UPSTREAM_FAILED' });

    const flakyOutput = await api().getRunOutput({ run_id: byKey(failed, 'flaky').run_id! });
    expect(flakyOutput.error).toContain('exited with code 3');
    expect(flakyOutput.error_trace).toContain('first try fails');

    const repair = await api().repairRun({ run_id: failed.run_id!, rerun_all_failed_tasks: true });
    expect(repair.repair_id).toBe(1);
    const repaired = await repair.wait(WAIT);
    expect(repaired).toMatchObject({ run_id: failed.run_id, state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' } });
    expect(byKey(repaired, 'flaky')).toMatchObject({ attempt_number: 1, state: { result_state: 'SUCCESS' } });
    expect(byKey(repaired, 'flaky').run_id).not.toBe(byKey(failed, 'flaky').run_id);
    expect(byKey(repaired, 'after').state?.result_state).toBe('SUCCESS');
    const history = await api().getRun({ run_id: failed.run_id!, include_history: true });
    expect(history.repair_history?.map((h) => h.type)).toEqual(['ORIGINAL', 'REPAIR']);

    // A second repair must name the latest one when it names any.
    const stale = await sdkFailure(api().repairRun({ run_id: failed.run_id!, rerun_tasks: ['after'], latest_repair_id: 0 }));
    expect(stale).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(stale.message).toContain('latest_repair_id 0 is not the latest repair');
    const again = await (await api().repairRun({ run_id: failed.run_id!, rerun_tasks: ['after'], latest_repair_id: 1 })).wait(WAIT);
    expect(again.state?.result_state).toBe('SUCCESS');
  });

  it('lists runs page by page with the SDK iterator, newest first, and filters them', async () => {
    const { job_id } = await api().create({ name: 'sdk-list-runs', max_concurrent_runs: 10, tasks: tasks([{ task_key: 'quick', command_task: { command: ['true'] } }]) });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api().runNow({ job_id: job_id! })).run_id!);
    for (const id of ids) await (await api().cancelRun({ run_id: id }).catch(() => undefined))?.wait(WAIT).catch(() => undefined);

    const log = requestLog();
    const listed = await collect(api().listRuns({ job_id: job_id!, limit: 2 }, log.context));
    expect(listed.map((r) => r.run_id)).toEqual([...ids].reverse());
    // 2 + 2 + 1: the last page has no next_page_token.
    expect(log.urls).toHaveLength(3);
    expect(listed.every((r) => r.tasks === undefined && r.job_id === job_id)).toBe(true);

    const expanded = await collect(api().listRuns({ job_id: job_id!, limit: 25, expand_tasks: true, completed_only: true }));
    expect(expanded).toHaveLength(5);
    expect(expanded[0]!.tasks?.map((t) => t.task_key)).toEqual(['quick']);
    expect(await collect(api().listRuns({ job_id: job_id!, active_only: true }))).toEqual([]);
    expect(await collect(api().listRuns({ job_id: job_id!, run_type: 'SUBMIT_RUN' }))).toEqual([]);
  });

  it('lists jobs page by page, and filters them by name', async () => {
    const made: number[] = [];
    for (let i = 0; i < 3; i++) made.push((await api().create({ name: 'sdk-list-jobs', tasks: tasks([{ task_key: 'a', command_task: { command: ['true'] } }]) })).job_id!);
    const log = requestLog();
    const found = await collect(api().list({ name: 'SDK-LIST-JOBS', limit: 2 }, log.context));
    expect(found.map((j) => j.job_id)).toEqual([...made].reverse());
    expect(log.urls).toHaveLength(2);
    expect(found[0]!.settings?.tasks).toBeUndefined();
    const expanded = await collect(api().list({ name: 'sdk-list-jobs', expand_tasks: true }));
    expect(expanded[0]!.settings?.tasks?.map((t) => t.task_key)).toEqual(['a']);
  });

  it('submits a one-time run, once per idempotency token', async () => {
    const body = {
      run_name: 'sdk-one-time',
      idempotency_token: `token-${ctx.dialect}`,
      tasks: tasks([{ task_key: 'hello', command_task: node("console.log('hello once')") }]),
    } as jobs.SubmitRun;
    const first = await api().submit(body);
    const again = await api().submit(body);
    expect(again.run_id).toBe(first.run_id);
    const run = await first.wait(WAIT);
    expect(run).toMatchObject({ run_type: 'SUBMIT_RUN', run_name: 'sdk-one-time', state: { result_state: 'SUCCESS' } });
    expect((await api().getRunOutput({ run_id: run.tasks![0]!.run_id! })).logs).toBe('hello once\n');
    // The one-time run's job stays hidden.
    expect(await sdkFailure(api().get({ job_id: run.job_id! }))).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect((await collect(api().listRuns({ run_type: 'SUBMIT_RUN' }))).map((r) => r.run_id)).toContain(run.run_id);
    await api().deleteRun({ run_id: run.run_id! });
    expect(await sdkFailure(api().getRun({ run_id: run.run_id! }))).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('cancels a running run; the cancel waiter sees it TERMINATED CANCELED', async () => {
    const { job_id } = await api().create({ name: 'sdk-cancel', tasks: tasks([{ task_key: 'sleep', command_task: node('setTimeout(() => {}, 60000)') }]) });
    const { run_id } = await api().runNow({ job_id: job_id! });
    expect(await sdkFailure(api().deleteRun({ run_id: run_id! }))).toMatchObject({ statusCode: 400, errorCode: 'INVALID_STATE' });
    const canceled = await (await api().cancelRun({ run_id: run_id! })).wait(WAIT);
    expect(canceled.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', user_cancelled_or_timedout: true });
    expect(canceled.tasks![0]!.state?.result_state).toBe('CANCELED');
    // Canceling an ended run, or every run of the job, is not an error.
    await api().cancelRun({ run_id: run_id! });
    await api().cancelAllRuns({ job_id: job_id! });
  });

  it('resets, updates and deletes a job', async () => {
    const { job_id } = await api().create({ name: 'sdk-edit', tasks: tasks([{ task_key: 'a', command_task: { command: ['true'] } }]) });
    await api().reset({
      job_id: job_id!,
      new_settings: { name: 'sdk-edit-reset', max_concurrent_runs: 3, tasks: tasks([{ task_key: 'b', command_task: { command: ['true'] } }]) },
    });
    expect((await api().get({ job_id: job_id! })).settings).toMatchObject({ name: 'sdk-edit-reset', max_concurrent_runs: 3, tasks: [{ task_key: 'b' }] });

    await api().update({
      job_id: job_id!,
      new_settings: { name: 'sdk-edit-updated', tasks: tasks([{ task_key: 'c', depends_on: [{ task_key: 'b' }], command_task: { command: ['true'] } }]) },
      fields_to_remove: ['tags'],
    });
    const updated = (await api().get({ job_id: job_id! })).settings!;
    expect(updated).toMatchObject({ name: 'sdk-edit-updated', max_concurrent_runs: 3 });
    expect(updated.tasks?.map((t) => t.task_key)).toEqual(['b', 'c']);
    const run = await (await api().runNow({ job_id: job_id! })).wait(WAIT);
    expect(run.tasks?.map((t) => t.task_key)).toEqual(['b', 'c']);

    await api().delete({ job_id: job_id! });
    const gone = await sdkFailure(api().get({ job_id: job_id! }));
    expect(gone).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(gone.message).toContain(`Job ${job_id} does not exist`);
    expect(await sdkFailure(api().getRun({ run_id: run.run_id! }))).toMatchObject({ statusCode: 400 });
  });

  it('shows a job deployed from modelyard.yaml as a locked bundle job: it runs, but is edited through its file only', async () => {
    const { spec, problems } = loadProject(
      ['project: {name: sdk-bundle}', 'jobs:', '  nightly:', '    tasks:', '      - task_key: hello', `        command_task: {command: ["${NODE}", "-e", "console.log(1)"]}`].join('\n'),
    );
    expect(problems).toEqual([]);
    const [deployed] = await ctx.server.services.pipelines.jobs.deploy(spec!, mkdtempSync(join(tmpdir(), 'modelyard-bundle-')));
    const job = await api().get({ job_id: deployed!.jobId });
    expect(job.settings).toMatchObject({ name: 'nightly', edit_mode: 'UI_LOCKED', deployment: { kind: 'BUNDLE' }, tasks: [{ task_key: 'hello' }] });
    const refused = await sdkFailure(api().reset({ job_id: deployed!.jobId, new_settings: { name: 'renamed', tasks: tasks([{ task_key: 'a', command_task: { command: ['true'] } }]) } }));
    expect(refused).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(refused.message).toContain("is deployed from project 'sdk-bundle'");
    const run = await (await api().runNow({ job_id: deployed!.jobId })).wait(WAIT);
    expect(run.state?.result_state).toBe('SUCCESS');
  });

  it('answers every hostile input with a 400 naming the field, never a 500', async () => {
    const { job_id } = await api().create({ name: 'sdk-hostile', tasks: tasks([{ task_key: 'a', command_task: { command: ['true'] } }]) });
    const cases: Array<[method: 'GET' | 'POST', path: string, body: unknown, expected: string]> = [
      ['POST', '/create', { name: 'x', tasks: [{ task_key: 'a', command_task: { command: ['true'] } }], colour: 'red' }, "colour: unknown field 'colour'"],
      ['POST', '/create', { tasks: [{ task_key: 'a', command_task: { command: ['true'] } }], schedule: { quartz_cron_expression: 'every day', timezone_id: 'UTC' } }, 'schedule.quartz_cron_expression: bad cron expression'],
      ['POST', '/create', { tasks: [{ task_key: 'a', notebook_task: { notebook_path: '/x' } }] }, 'tasks[0].notebook_task: notebook_task is a Databricks task kind Modelyard does not run (supported: command_task'],
      ['POST', '/create', { tasks: [{ task_key: 'a', depends_on: [{ task_key: 'zz' }], command_task: { command: ['true'] } }] }, "tasks[0].depends_on[0].task_key: depends on task 'zz'"],
      ['POST', '/create', { tasks: [{ task_key: 'a', command_task: { command: ['true'] }, new_cluster: { spark_version: '14.3' } }] }, 'tasks[0].new_cluster: not supported'],
      ['POST', '/create', '[1, 2]', 'must be a JSON object'],
      ['POST', '/create', { name: { first: 'x' }, tasks: [] }, 'name: must be a string, got a mapping'],
      ['POST', '/create', { name: 'x', tasks: [] }, 'tasks: a job needs at least one task'],
      ['POST', '/reset', { job_id, new_settings: { tasks: [{ task_key: 'a b', command_task: { command: ['true'] } }] } }, 'new_settings.tasks[0].task_key'],
      ['POST', '/reset', { job_id }, "'new_settings'"],
      ['GET', '/get?job_id=abc', undefined, "'job_id'"],
      ['GET', '/get?job_id=-4', undefined, "'job_id'"],
      ['GET', '/get?job_id=99999999999999999999', undefined, "'job_id'"],
      ['GET', '/get?job_id=424242', undefined, 'Job 424242 does not exist'],
      ['GET', `/get?job_id=${job_id}&colour=red`, undefined, "'colour'"],
      ['GET', '/list?limit=5000', undefined, "'limit'"],
      ['GET', '/list?page_token=not-a-token', undefined, 'Invalid page_token'],
      ['GET', '/runs/list?limit=26', undefined, "'limit'"],
      ['GET', '/runs/list?page_token=%00%00', undefined, "'page_token'"],
      ['GET', '/runs/list?page_token=am9iczo1', undefined, 'Invalid page_token'],
      ['GET', '/runs/list?active_only=true&completed_only=true', undefined, 'active_only and completed_only'],
      ['GET', '/runs/list?run_type=NIGHTLY', undefined, "'run_type'"],
      ['GET', '/runs/list?job_id=424242', undefined, 'Job 424242 does not exist'],
      ['GET', '/runs/get?run_id=424242', undefined, 'Run 424242 does not exist'],
      ['GET', '/runs/get?run_id=1000000424242', undefined, 'Run 1000000424242 does not exist'],
      ['GET', '/runs/get-output?run_id=0', undefined, "'run_id'"],
      ['POST', '/run-now', { job_id, job_parameters: { nope: '1' } }, "job parameter 'nope' is not declared"],
      ['POST', '/run-now', { job_id, python_params: ['--x'] }, "'python_params'"],
      ['POST', '/run-now', { job_id: '7; drop table jobs' }, "'job_id'"],
      ['POST', '/runs/submit', { tasks: [{ task_key: 'a', spark_python_task: { python_file: 'x.py' } }] }, 'tasks[0].spark_python_task.python_file: path must be absolute'],
      ['POST', '/runs/submit', { tasks: [{ task_key: 'a', notebook_task: { notebook_path: '/x' } }] }, 'notebook_task is a Databricks task kind'],
      ['POST', '/runs/repair', { run_id: 424242, rerun_all_failed_tasks: true }, 'Run 424242 does not exist'],
      ['POST', '/runs/cancel-all', {}, 'runs/cancel-all needs job_id'],
      ['POST', '/update', { job_id, fields_to_remove: ['tasks/nope'] }, "the job has no task 'nope'"],
      ['POST', '/delete', { job_id: 424242 }, 'Job 424242 does not exist'],
      ['POST', '/create', `{"tasks":[{"task_key":"a","command_task":{"command":["true"]}}],"tags":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, ''],
      ['POST', '/create', '{"tasks":[{"task_key":"a","command_task":{"command":["true"]}}],"tags":{"__proto__":{"x":"1"}}}', '__proto__'],
      ['POST', '/create', { tasks: [{ task_key: 'a', command_task: { command: ['true'] } }], tags: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`t${i}`, 'v'])) }, 'a job has at most 25 tags'],
      ['POST', '/create', { name: 'x'.repeat(100_000), tasks: [{ task_key: 'a', command_task: { command: ['true'] } }] }, 'name: must be at most 500 characters'],
    ];
    for (const [method, path, body, expected] of cases) {
      const r = await raw(method, path, body);
      expect({ path, status: r.status, code: r.body.error_code }).toEqual({ path, status: 400, code: expect.stringMatching(/^(INVALID_PARAMETER_VALUE|MALFORMED_REQUEST|BAD_REQUEST)$/) });
      expect(r.body.message, `${method} ${path}`).toContain(expected);
    }
  });
});
