import { DATABRICKS_ONLY_TASK_KINDS, MODELYARD_TASK_KINDS } from '@modelyard/contract';
import { parseJob } from './job-parser.js';
import { locateJson } from './located-json.js';
import type { LocatedMap, LocatedNode } from './located-yaml.js';
import { childPath, ProblemList } from './problems.js';
import type { JobSpec } from './project-model.js';
import { sparkPythonAsCommand } from './spark-python-task.js';
import type { SparkPythonOptions } from './spark-python-task.js';

/**
 * Job settings as the Databricks Jobs API carries them (JSON, snake_case), read into the JobSpec
 * every other part of Modelyard runs. The settings go through `parseJob`, the parser of
 * `modelyard.yaml` (whose field names are Databricks' already), so the Jobs API and project files
 * accept exactly the same jobs. What is only here: Databricks fields Modelyard has no use for are
 * refused saying why (an empty value is let through, so settings read from `jobs/get` or written
 * by Databricks tooling round-trip), and Databricks task kinds are refused naming Modelyard's.
 */

/** A job's settings field Modelyard does not implement → why, in words a user can act on. */
const UNSUPPORTED_JOB_FIELDS: Record<string, string> = {
  job_clusters: 'Modelyard has no clusters: tasks run on the server and its queue workers',
  git_source: 'Modelyard does not check out repositories; deploy the code with `modelyard deploy`, or run it from a folder the command names',
  environments: 'Modelyard has no serverless environments: command tasks run with the worker\'s own interpreters',
  email_notifications: 'Modelyard sends no e-mail; follow runs with runs/get or registry webhooks',
  webhook_notifications: 'Modelyard sends no job notifications; follow runs with runs/get or registry webhooks',
  notification_settings: 'Modelyard sends no job notifications',
  run_as: 'jobs run as the server\'s own user',
  health: 'job health rules are not evaluated',
  trigger: 'only schedule (quartz_cron_expression) triggers are supported',
  continuous: 'only schedule (quartz_cron_expression) triggers are supported',
  deployment: 'jobs deployed from a project are managed with `modelyard deploy`',
  budget_policy_id: 'there are no budget policies',
  usage_policy_id: 'there are no usage policies',
  performance_target: 'there is no serverless compute to tune',
  access_control_list: 'permissions are managed by the server\'s authorization, not per job',
  experiment: 'is a modelyard.yaml field; runs of jobs created through the Jobs API log to the experiment jobs/<job_id>',
};

/** Accepted and ignored, as Databricks itself ignores `format` on writes. */
const IGNORED_JOB_FIELDS = new Set(['format', 'edit_mode']);

const UNSUPPORTED_TASK_FIELDS: Record<string, string> = {
  existing_cluster_id: 'Modelyard has no clusters: tasks run on the server and its queue workers',
  new_cluster: 'Modelyard has no clusters: tasks run on the server and its queue workers',
  job_cluster_key: 'Modelyard has no clusters: tasks run on the server and its queue workers',
  libraries: 'Modelyard installs no libraries; command tasks use the worker\'s own environment',
  environment_key: 'Modelyard has no serverless environments',
  email_notifications: 'Modelyard sends no e-mail',
  webhook_notifications: 'Modelyard sends no job notifications',
  notification_settings: 'Modelyard sends no job notifications',
  health: 'task health rules are not evaluated',
  disabled: 'tasks cannot be disabled; remove the task instead',
  disable_auto_optimization: 'there is no auto-optimization to disable',
};

/** Ignored on a spark_python_task, which runs as a local Python process (see screenTask). */
const CLUSTER_TASK_FIELDS = new Set(['existing_cluster_id', 'new_cluster', 'job_cluster_key', 'libraries']);

/** What `runs/submit` takes besides tasks; the rest of its fields are the job-level ones above. */
const SUBMIT_FIELDS = new Set(['run_name', 'tasks', 'timeout_seconds', 'idempotency_token', 'queue']);

/** Databricks caps a job at 1000 tasks; 100 keeps every read answer in one page (2.2 pages arrays past 100). */
export const MAX_TASKS_PER_JOB = 100;
/** The `jobs.name` column holds 500 characters. */
export const MAX_JOB_NAME_CHARS = 500;
const MAX_TAGS = 25;

function isEmptyValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    v === false ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

export type SettingsParse = { ok: true; spec: JobSpec } | { ok: false; problems: string[] };

export interface SettingsOptions {
  /** The job key the spec gets (a Jobs API job's key is its id). */
  key: string;
  /** Where the settings sit in the request, prefixed to every problem's path (`new_settings`). */
  path?: string;
  /** Runs `spark_python_task`s as local Python commands; without it they are refused like other Databricks kinds. */
  sparkPython?: SparkPythonOptions;
}

/** Reads Jobs API job settings; every problem names its field path. */
export function parseJobSettings(settings: Record<string, unknown>, opts: SettingsOptions): SettingsParse {
  const problems = new ProblemList();
  const root = locateJson(settings, problems, opts.path ?? '');
  if (root.kind !== 'map') return { ok: false, problems: ['the job settings must be a JSON object'] };
  const kept: LocatedMap['entries'] = new Map();
  for (const [key, e] of root.entries) {
    if (IGNORED_JOB_FIELDS.has(key)) continue;
    const why = UNSUPPORTED_JOB_FIELDS[key];
    if (why !== undefined) {
      if (!isEmptyValue(settings[key])) problems.add(e.keyAt, `not supported by Modelyard: ${why}`);
      continue;
    }
    kept.set(key, e);
  }
  // Databricks names an unnamed job "Untitled".
  if (!kept.has('name')) kept.set('name', { keyAt: root.at, value: { kind: 'scalar', at: { ...root.at, path: childPath(root.at.path, 'name') }, value: 'Untitled' } });
  const name = settings.name;
  if (typeof name === 'string' && name.length > MAX_JOB_NAME_CHARS) {
    problems.add(kept.get('name')!.value.at, `must be at most ${MAX_JOB_NAME_CHARS} characters, got ${name.length}`);
  }
  const tags = settings.tags;
  if (typeof tags === 'object' && tags !== null && !Array.isArray(tags) && Object.keys(tags).length > MAX_TAGS) {
    problems.add(kept.get('tags')!.value.at, `a job has at most ${MAX_TAGS} tags, got ${Object.keys(tags).length}`);
  }
  const endpointNames = new Set<string>();
  const tasks = kept.get('tasks')?.value;
  if (tasks?.kind === 'seq') {
    if (tasks.items.length > MAX_TASKS_PER_JOB) problems.add(tasks.at, `a job has at most ${MAX_TASKS_PER_JOB} tasks, got ${tasks.items.length}`);
    tasks.items.forEach((t, i) => {
      if (t.kind === 'map') tasks.items[i] = screenTask(t, problems, endpointNames, opts.sparkPython);
    });
  }
  const before = problems.size;
  const spec = parseJob(opts.key, { kind: 'map', at: root.at, entries: kept }, problems, {
    experimentKeys: new Set(),
    // A Jobs API deploy_task names the serving endpoint itself (there is no serving_endpoints section).
    servingEndpointKeys: endpointNames,
  });
  if (problems.size > 0 || !spec) {
    const list = problems.list().map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    return { ok: false, problems: list.length > 0 || before > 0 ? list : ['the job settings are not valid'] };
  }
  return { ok: true, spec };
}

/** Refuses Databricks-only task fields and kinds; returns the task without the ignorable ones. */
function screenTask(task: LocatedMap, problems: ProblemList, endpointNames: Set<string>, sparkPython: SparkPythonOptions | undefined): LocatedNode {
  const entries: LocatedMap['entries'] = new Map();
  // A spark_python_task written for Databricks names its cluster; here it runs as a local process,
  // so the cluster fields are accepted and ignored rather than making every such body fail.
  const sparkTask = sparkPython !== undefined && task.entries.has('spark_python_task');
  for (const [key, e] of task.entries) {
    if (sparkTask && key === 'spark_python_task') {
      if (task.entries.has('command_task')) problems.add(e.keyAt, 'a task has exactly one type, found spark_python_task and command_task');
      const command = sparkPythonAsCommand(e.value, problems, sparkPython);
      if (command) entries.set('command_task', { keyAt: e.keyAt, value: command });
      continue;
    }
    if (sparkTask && CLUSTER_TASK_FIELDS.has(key)) continue;
    const why = UNSUPPORTED_TASK_FIELDS[key];
    if (why !== undefined) {
      if (!isEmptyNode(e.value)) problems.add(e.keyAt, `not supported by Modelyard: ${why}`);
      continue;
    }
    if ((DATABRICKS_ONLY_TASK_KINDS as readonly string[]).includes(key)) {
      const hint = key === 'spark_python_task' || key === 'python_wheel_task' ? "; run a Python program with command_task: {command: ['python', 'train.py']}" : '';
      problems.add(e.keyAt, `${key} is a Databricks task kind Modelyard does not run (supported: ${MODELYARD_TASK_KINDS.join(', ')})${hint}`);
      continue;
    }
    if (key === 'depends_on' && e.value.kind === 'seq') {
      for (const dep of e.value.items) {
        if (dep.kind !== 'map') continue;
        const outcome = dep.entries.get('outcome');
        if (outcome) {
          problems.add(outcome.keyAt, 'not supported by Modelyard: outcome selects a branch of a condition_task, which Modelyard does not run');
          dep.entries.delete('outcome');
        }
      }
    }
    if (key === 'deploy_task' && e.value.kind === 'map') {
      const endpoint = e.value.entries.get('endpoint')?.value;
      if (endpoint?.kind === 'scalar' && typeof endpoint.value === 'string') endpointNames.add(endpoint.value);
    }
    entries.set(key, e);
  }
  return { kind: 'map', at: task.at, entries };
}

function isEmptyNode(n: LocatedNode): boolean {
  if (n.kind === 'scalar') return n.value === null || n.value === '' || n.value === false;
  if (n.kind === 'seq') return n.items.length === 0;
  return n.entries.size === 0;
}

/** A `runs/submit` body as job settings: `run_name` names the one-time job; job-level fields are checked as for jobs/create. */
export function parseSubmitRun(body: Record<string, unknown>, opts: SettingsOptions): SettingsParse {
  const settings: Record<string, unknown> = {};
  const extra: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === 'run_name') {
      if (v !== undefined && v !== null) settings.name = v;
    } else if (k === 'idempotency_token') {
      continue;
    } else if (SUBMIT_FIELDS.has(k) || UNSUPPORTED_JOB_FIELDS[k] !== undefined || IGNORED_JOB_FIELDS.has(k)) {
      if (k !== 'experiment') settings[k] = v;
      else extra.push(k);
    } else {
      extra.push(k);
    }
  }
  const parsed = parseJobSettings(settings, opts);
  const unknown = extra.map((k) => `${childPath(opts.path ?? '', k)}: unknown field '${k}' in a one-time run (allowed: ${[...SUBMIT_FIELDS].join(', ')})`);
  if (unknown.length === 0) return parsed;
  return { ok: false, problems: [...unknown, ...(parsed.ok ? [] : parsed.problems)] };
}
