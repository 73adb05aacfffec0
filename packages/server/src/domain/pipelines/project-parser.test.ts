import { describe, expect, it } from 'vitest';
import { loadProject } from './project-parser.js';

const VALID = `
project:
  name: diabetes
workspace:
  tracking_uri: http://localhost:5000
experiments:
  diabetes:
    name: /diabetes
jobs:
  train:
    experiment: diabetes
    parameters:
      - name: alpha
        default: 0.5
    max_concurrent_runs: 2
    queue: { enabled: true }
    schedule:
      quartz_cron_expression: "0 0 6 ? * MON-FRI"
      timezone_id: Europe/Paris
      pause_status: PAUSED
    tasks:
      - task_key: prep
        command_task:
          command: [node, prep.js, "--alpha", "{{job.parameters.alpha}}"]
      - task_key: train
        depends_on: [{ task_key: prep }]
        max_retries: 2
        min_retry_interval_millis: 100
        timeout_seconds: 60
        command_task:
          command: node train.js
          env: { LEARNING_RATE: "0.1" }
      - task_key: evaluate
        depends_on: [{ task_key: train }]
        evaluate_task:
          challenger_model_uri: models:/diabetes@challenger
          champion_model_uri: models:/diabetes@champion
          data_path: data/holdout.csv
          target_column: Outcome
          model_type: classifier
      - task_key: gate
        depends_on: [{ task_key: evaluate }]
        gate_task:
          evaluation_task_key: evaluate
          rules:
            - challenger.roc_auc >= 0.80
            - challenger.roc_auc >= champion.roc_auc - 0.01
      - task_key: cleanup
        depends_on: [{ task_key: gate }]
        run_if: ALL_DONE
        command_task: { command: [node, cleanup.js] }
targets:
  dev:
    default: true
  prod:
    workspace:
      tracking_uri: postgresql://db/modelyard
    jobs:
      train:
        parameters:
          - name: alpha
            default: 0.1
        schedule:
          pause_status: UNPAUSED
        tasks:
          - task_key: train
            max_retries: 5
`;

describe('loadProject', () => {
  it('reads a valid project with Databricks field names', () => {
    const r = loadProject(VALID);
    expect(r.problems).toEqual([]);
    expect(r.target).toBe('dev');
    const job = r.spec!.jobs.train!;
    expect(job.tasks.map((t) => t.taskKey)).toEqual(['prep', 'train', 'evaluate', 'gate', 'cleanup']);
    expect(job.parameters).toEqual([{ name: 'alpha', default: '0.5' }]);
    expect(job.schedule).toEqual({ quartzCronExpression: '0 0 6 ? * MON-FRI', timezoneId: 'Europe/Paris', pauseStatus: 'PAUSED' });
    expect(job.maxConcurrentRuns).toBe(2);
    expect(job.queueEnabled).toBe(true);
    const train = job.tasks[1]!;
    expect(train).toMatchObject({ dependsOn: ['prep'], maxRetries: 2, minRetryIntervalMillis: 100, timeoutSeconds: 60, runIf: 'ALL_SUCCESS' });
    expect(train.type === 'command' && train.command.command).toBe('node train.js');
    expect(job.tasks[4]!.runIf).toBe('ALL_DONE');
    expect(r.spec!.targetNames).toEqual(['dev', 'prod']);
  });

  it('applies a target: parameters merge by name, tasks by task_key, schedules field by field', () => {
    const r = loadProject(VALID, { target: 'prod' });
    expect(r.problems).toEqual([]);
    const job = r.spec!.jobs.train!;
    expect(r.spec!.workspace.trackingUri).toBe('postgresql://db/modelyard');
    expect(job.parameters).toEqual([{ name: 'alpha', default: '0.1' }]);
    expect(job.schedule).toMatchObject({ quartzCronExpression: '0 0 6 ? * MON-FRI', pauseStatus: 'UNPAUSED' });
    expect(job.tasks.map((t) => [t.taskKey, t.maxRetries])).toEqual([
      ['prep', 0],
      ['train', 5],
      ['evaluate', 0],
      ['gate', 0],
      ['cleanup', 0],
    ]);
  });

  it('reports an unknown target by name', () => {
    const r = loadProject(VALID, { target: 'qa' });
    expect(r.problems.map((p) => p.message)).toEqual(["unknown target 'qa' (targets: dev, prod)"]);
  });

  const broken: Array<[string, string, { path: string; line: number; message: RegExp }]> = [
    ['unknown field', 'project: {name: p}\njobs:\n  j:\n    taks: []\n    tasks: [{task_key: a, command_task: {command: [x]}}]\n', { path: 'jobs.j.taks', line: 4, message: /unknown field 'taks' in a job/ }],
    ['wrong type', 'project: {name: p}\njobs:\n  j:\n    max_concurrent_runs: many\n    tasks: [{task_key: a, command_task: {command: [x]}}]\n', { path: 'jobs.j.max_concurrent_runs', line: 4, message: /must be an integer, got string "many"/ }],
    ['unknown task type', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        notebook_task: {path: x}\n', { path: 'jobs.j.tasks[0].notebook_task', line: 6, message: /unknown task type 'notebook_task'/ }],
    ['missing dependency', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        depends_on: [{task_key: nope}]\n        command_task: {command: [x]}\n', { path: 'jobs.j.tasks[0].depends_on[0].task_key', line: 6, message: /depends on task 'nope', which this job does not have/ }],
    ['duplicate task_key', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        command_task: {command: [x]}\n      - task_key: a\n        command_task: {command: [y]}\n', { path: 'jobs.j.tasks[1].task_key', line: 7, message: /duplicate task_key 'a' \(first used at line 5\)/ }],
    ['bad run_if', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        run_if: SOMETIMES\n        command_task: {command: [x]}\n', { path: 'jobs.j.tasks[0].run_if', line: 6, message: /must be one of ALL_SUCCESS, .*got 'SOMETIMES'/ }],
    ['bad cron', 'project: {name: p}\njobs:\n  j:\n    schedule: {quartz_cron_expression: "0 0 25 * * ?"}\n    tasks: [{task_key: a, command_task: {command: [x]}}]\n', { path: 'jobs.j.schedule.quartz_cron_expression', line: 4, message: /bad cron expression '0 0 25 \* \* \?'.*hour/ }],
    ['quartz day fields', 'project: {name: p}\njobs:\n  j:\n    schedule: {quartz_cron_expression: "0 0 6 * * MON"}\n    tasks: [{task_key: a, command_task: {command: [x]}}]\n', { path: 'jobs.j.schedule.quartz_cron_expression', line: 4, message: /exactly one of day-of-month and day-of-week must be '\?'/ }],
    ['bad timezone', 'project: {name: p}\njobs:\n  j:\n    schedule:\n      cron: "0 6 * * *"\n      timezone_id: Mars/Olympus\n    tasks: [{task_key: a, command_task: {command: [x]}}]\n', { path: 'jobs.j.schedule.timezone_id', line: 6, message: /unknown time zone 'Mars\/Olympus'/ }],
    ['bad gate rule', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: e\n        evaluate_task: {challenger_model_uri: "models:/m@c", data_path: d.csv, target_column: y, model_type: classifier}\n      - task_key: g\n        depends_on: [{task_key: e}]\n        gate_task:\n          evaluation_task_key: e\n          rules: ["challenger.auc >> 1"]\n', { path: 'jobs.j.tasks[1].gate_task.rules[0]', line: 11, message: /bad gate rule 'challenger.auc >> 1': expected a number/ }],
    ['unknown parameter reference', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        command_task: {command: [x, "{{job.parameters.alpha}}"]}\n', { path: 'jobs.j.tasks[0].command_task.command[1]', line: 6, message: /names no job parameter \(the job declares none\)/ }],
    ['reserved env', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        command_task:\n          command: [x]\n          env: {MLFLOW_RUN_ID: abc}\n', { path: 'jobs.j.tasks[0].command_task.env.MLFLOW_RUN_ID', line: 8, message: /set by Modelyard/ }],
    ['working directory escape', 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        command_task: {command: [x], working_directory: ../elsewhere}\n', { path: 'jobs.j.tasks[0].command_task.working_directory', line: 6, message: /inside the project/ }],
    ['yaml syntax', 'project: {name: p\njobs: [\n', { path: '', line: 2, message: /YAML syntax error/ }],
    ['error inside a target', 'project: {name: p}\njobs:\n  j:\n    tasks: [{task_key: a, command_task: {command: [x]}}]\ntargets:\n  prod:\n    jobs:\n      j:\n        max_retries: 3\n', { path: 'targets.prod.jobs.j.max_retries', line: 9, message: /unknown field 'max_retries' in a job/ }],
  ];
  it.each(broken)('reports %s with its path and line', (_name, text, expected) => {
    const r = loadProject(text, { checkAllTargets: true });
    expect(r.spec).toBeUndefined();
    const match = r.problems.find((p) => p.path === expected.path && p.line === expected.line && expected.message.test(p.message));
    expect(match, JSON.stringify(r.problems, null, 1)).toBeDefined();
  });

  it('reports a cycle once, naming the loop', () => {
    const text = 'project: {name: p}\njobs:\n  j:\n    tasks:\n      - task_key: a\n        depends_on: [{task_key: c}]\n        command_task: {command: [x]}\n      - task_key: b\n        depends_on: [{task_key: a}]\n        command_task: {command: [x]}\n      - task_key: c\n        depends_on: [{task_key: b}]\n        command_task: {command: [x]}\n';
    const r = loadProject(text);
    expect(r.problems).toEqual([
      { path: 'jobs.j.tasks[0].depends_on[0].task_key', line: 6, column: 33, message: 'cycle in depends_on: a → c → b → a (each task depends on the next)' },
    ]);
  });

  it('collects every problem of a file, not just the first', () => {
    const text = 'project: {name: p}\nbogus: 1\njobs:\n  j:\n    tasks:\n      - task_key: a\n        run_if: NEVER\n        max_retries: -2\n        command_task: {command: []}\n';
    const r = loadProject(text);
    expect(r.problems.map((p) => p.line)).toEqual([2, 7, 8, 9]);
  });

  it('reads sync.exclude (what modelyard deploy leaves out of the bundle), which a target may override', () => {
    const text = 'project: {name: p}\nsync:\n  exclude: [data/, "*.parquet"]\njobs: {}\ntargets:\n  prod:\n    sync: { exclude: [data/] }\n';
    expect(loadProject(text).spec?.sync).toEqual({ exclude: ['data/', '*.parquet'] });
    expect(loadProject(text, { target: 'prod' }).spec?.sync).toEqual({ exclude: ['data/'] });
    const bad = loadProject('project: {name: p}\nsync:\n  exclude: data/\n  include: [x]\n');
    expect(bad.problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'sync.exclude must be a list of .gitignore-style patterns, got string "data/"'],
      [4, "unknown field 'include' in sync (allowed: exclude)"],
    ]);
  });
});
