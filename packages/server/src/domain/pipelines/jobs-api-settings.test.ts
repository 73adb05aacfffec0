import { describe, expect, it } from 'vitest';
import { jobSettingsJson, mergeJobSettings } from './job-settings-json.js';
import { parseJobSettings, parseSubmitRun } from './jobs-api-settings.js';

const settings = {
  name: 'nightly',
  tasks: [
    { task_key: 'train', command_task: { command: ['python', 'train.py', '--alpha', '{{job.parameters.alpha}}'] }, max_retries: 2, timeout_seconds: 60 },
    { task_key: 'check', depends_on: [{ task_key: 'train' }], run_if: 'ALL_DONE', command_task: { command: 'echo done' } },
    { task_key: 'ship', depends_on: [{ task_key: 'check' }], deploy_task: { endpoint: 'diabetes', model_uri: 'models:/diabetes@champion' } },
  ],
  parameters: [{ name: 'alpha', default: '0.5' }],
  schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'Europe/Paris', pause_status: 'PAUSED' },
  max_concurrent_runs: 2,
  queue: { enabled: true },
  tags: { team: 'fraud' },
};

function problemsOf(input: Record<string, unknown>, path?: string): string[] {
  const r = parseJobSettings(input, { key: '7', ...(path ? { path } : {}) });
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('Jobs API job settings', () => {
  it('reads Databricks job settings into the JobSpec modelyard.yaml gives, and writes them back unchanged', () => {
    const r = parseJobSettings(settings, { key: '7' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.spec).toMatchObject({
      key: '7',
      name: 'nightly',
      maxConcurrentRuns: 2,
      queueEnabled: true,
      parameters: [{ name: 'alpha', default: '0.5' }],
      schedule: { quartzCronExpression: '0 0 6 * * ?', timezoneId: 'Europe/Paris', pauseStatus: 'PAUSED' },
    });
    expect(r.spec.tasks.map((t) => [t.taskKey, t.type, t.dependsOn, t.runIf])).toEqual([
      ['train', 'command', [], 'ALL_SUCCESS'],
      ['check', 'command', ['train'], 'ALL_DONE'],
      ['ship', 'deploy', ['check'], 'ALL_SUCCESS'],
    ]);
    const again = parseJobSettings(jobSettingsJson(r.spec), { key: '7' });
    expect(again).toEqual(r);
  });

  it('names an unnamed job Untitled and ignores format', () => {
    const r = parseJobSettings({ format: 'MULTI_TASK', tasks: [{ task_key: 'a', command_task: { command: ['true'] } }] }, { key: '1' });
    expect(r.ok && r.spec.name).toBe('Untitled');
  });

  it.each([
    [{ ...settings, tasks: [{ task_key: 'a', spark_python_task: { python_file: 'x.py' } }] }, 'tasks[0].spark_python_task: spark_python_task is a Databricks task kind Modelyard does not run (supported: command_task'],
    [{ ...settings, tasks: [{ task_key: 'a', command_task: { command: ['x'] }, existing_cluster_id: '0923-abc' }] }, 'tasks[0].existing_cluster_id: not supported by Modelyard: Modelyard has no clusters'],
    [{ ...settings, surprise: 1 }, "surprise: unknown field 'surprise' in a job"],
    [{ ...settings, schedule: { quartz_cron_expression: '61 * * * * ?', timezone_id: 'UTC' } }, "schedule.quartz_cron_expression: bad cron expression '61 * * * * ?'"],
    [{ ...settings, schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'Mars/Olympus' } }, "schedule.timezone_id: unknown time zone 'Mars/Olympus'"],
    [{ ...settings, tasks: [{ task_key: 'a', depends_on: [{ task_key: 'a' }], command_task: { command: ['x'] } }] }, "tasks[0].depends_on[0].task_key: task 'a' cannot depend on itself"],
    [{ ...settings, tasks: [{ task_key: 'a', command_task: { command: ['x', '{{job.parameters.beta}}'] } }] }, '{{job.parameters.beta}} names no job parameter'],
    [{ ...settings, email_notifications: { on_failure: ['a@b.c'] } }, 'email_notifications: not supported by Modelyard'],
    [{ ...settings, tasks: 'all of them' }, 'tasks: must be a list'],
    [{ ...settings, max_concurrent_runs: 1e12 }, 'max_concurrent_runs: must be at most 1000'],
    [{ ...settings, name: 'x'.repeat(501) }, 'name: must be at most 500 characters'],
    [{ ...settings, tasks: Array.from({ length: 101 }, (_, i) => ({ task_key: `t${i}`, command_task: { command: ['true'] } })) }, 'tasks: a job has at most 100 tasks'],
  ])('refuses %#, naming the field', (input, message) => {
    expect(problemsOf(input as Record<string, unknown>).join('\n')).toContain(message);
  });

  it('prefixes the path the settings came in (new_settings)', () => {
    expect(problemsOf({ tasks: [{ task_key: 'bad key!', command_task: { command: ['x'] } }] }, 'new_settings')[0]).toMatch(/^new_settings\.tasks\[0\]\.task_key: /);
  });

  it('lets empty Databricks-only fields through, so settings read from Databricks round-trip', () => {
    const r = parseJobSettings({ ...settings, email_notifications: {}, webhook_notifications: {}, edit_mode: 'EDITABLE' }, { key: '1' });
    expect(r.ok).toBe(true);
  });

  it('reads a one-time run; run_name names it; unknown fields are refused', () => {
    const r = parseSubmitRun({ run_name: 'once', idempotency_token: 't', tasks: [{ task_key: 'a', command_task: { command: ['true'] } }] }, { key: 's' });
    expect(r.ok && r.spec.name).toBe('once');
    const bad = parseSubmitRun({ tasks: [], schedule: {} }, { key: 's' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.join('\n')).toContain("unknown field 'schedule' in a one-time run");
  });

  it('merges an update: tasks by task_key, other fields replaced, fields_to_remove applied', () => {
    const current = jobSettingsJson((parseJobSettings(settings, { key: '7' }) as { ok: true; spec: never }).spec);
    const merged = mergeJobSettings(current, { name: 'renamed', tasks: [{ task_key: 'check', command_task: { command: ['true'] } }, { task_key: 'extra', command_task: { command: ['true'] } }] }, ['tasks/ship', 'schedule']);
    if (!merged.ok) throw new Error(merged.problems.join());
    expect(merged.settings.name).toBe('renamed');
    expect((merged.settings.tasks as Array<{ task_key: string }>).map((t) => t.task_key)).toEqual(['train', 'check', 'extra']);
    expect(merged.settings.schedule).toBeUndefined();
    expect(mergeJobSettings(current, {}, ['tasks/nope'])).toEqual({ ok: false, problems: ["fields_to_remove: the job has no task 'nope'"] });
  });
});
