import { checkCron, isValidTimezone } from './cron-schedule.js';
import { findCycle } from './dag.js';
import { checkRemoteTask, parseCompute } from './compute-parser.js';
import { FieldReader, readerFor } from './field-reader.js';
import { checkReferences } from './job-parameters.js';
import type { LocatedNode } from './located-yaml.js';
import type { ProblemList } from './problems.js';
import { PAUSE_STATUSES } from './project-model.js';
import type { JobParameterSpec, JobSpec, ScheduleSpec } from './project-model.js';
import { parseTask } from './task-parser.js';
import type { ParsedTask } from './task-parser.js';

const JOB_FIELDS = ['name', 'description', 'experiment', 'parameters', 'tasks', 'schedule', 'max_concurrent_runs', 'queue', 'timeout_seconds', 'tags', 'compute'];
const PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

/** What a job may refer to outside itself. */
export interface JobContext {
  experimentKeys: ReadonlySet<string>;
  servingEndpointKeys: ReadonlySet<string>;
}

export function parseJob(key: string, node: LocatedNode, problems: ProblemList, ctx: JobContext): JobSpec | undefined {
  const r = readerFor(node, problems, `job '${key}'`);
  if (!r) return undefined;
  r.only(JOB_FIELDS, 'a job');
  const name = r.string('name') ?? key;
  const description = r.string('description');
  const experiment = r.string('experiment');
  if (experiment !== undefined && !ctx.experimentKeys.has(experiment)) {
    problems.add(
      r.node('experiment')!.at,
      `'${experiment}' is not a key of experiments${ctx.experimentKeys.size ? ` (declared: ${[...ctx.experimentKeys].join(', ')})` : ' (the project declares none)'}`,
    );
  }
  const parameters = parseParameters(r, problems);
  const maxConcurrentRuns = r.integer('max_concurrent_runs', { min: 1, max: 1000 }) ?? 1;
  let queueEnabled = false;
  const queue = r.map('queue');
  if (queue) {
    const qr = new FieldReader(queue, problems);
    qr.only(['enabled'], 'queue');
    queueEnabled = qr.boolean('enabled') ?? false;
  }
  const timeout = r.integer('timeout_seconds', { min: 0, max: 30 * 86_400 });
  const tags = r.stringMap('tags');
  const scheduleNode = r.map('schedule');
  const schedule = scheduleNode ? parseSchedule(new FieldReader(scheduleNode, problems)) : undefined;

  const tasksNode = r.seq('tasks', { required: true });
  if (tasksNode && tasksNode.items.length === 0) problems.add(tasksNode.at, 'a job needs at least one task');
  const parsed: ParsedTask[] = [];
  for (const item of tasksNode?.items ?? []) {
    const t = parseTask(item, problems);
    if (t) parsed.push(t);
  }
  // A job's compute is its command tasks' default; in-process task types (promote, gate…) always run here.
  const computeNode = r.map('compute');
  const compute = computeNode ? parseCompute(computeNode, problems) : undefined;
  if (compute) {
    for (const t of parsed) {
      if (t.spec.type !== 'command' || t.spec.compute) continue;
      t.spec = { ...t.spec, compute };
      checkRemoteTask(t.spec, t.keyAt, problems);
    }
  }
  checkTaskGraph(parsed, problems);
  checkTaskReferences(parsed, new Set(parameters.map((p) => p.name)), ctx, problems);

  if (!tasksNode || parsed.length !== tasksNode.items.length) return undefined;
  return {
    key,
    name,
    parameters,
    tasks: parsed.map((p) => p.spec),
    maxConcurrentRuns,
    queueEnabled,
    tags,
    ...(description !== undefined ? { description } : {}),
    ...(experiment !== undefined ? { experiment } : {}),
    ...(schedule ? { schedule } : {}),
    ...(timeout !== undefined && timeout > 0 ? { timeoutSeconds: timeout } : {}),
  };
}

function parseParameters(r: FieldReader, problems: ProblemList): JobParameterSpec[] {
  const seq = r.seq('parameters');
  const out: JobParameterSpec[] = [];
  const seen = new Set<string>();
  for (const item of seq?.items ?? []) {
    const pr = readerFor(item, problems, 'a job parameter ({name, default})');
    if (!pr) continue;
    pr.only(['name', 'default'], 'a job parameter');
    const name = pr.string('name', { required: true });
    const defNode = pr.node('default');
    let def: string | undefined;
    if (!defNode) problems.add(pr.source.at, "missing required field 'default' (every job parameter has a default)");
    else if (defNode.kind !== 'scalar') problems.add(defNode.at, 'must be a string, number or boolean');
    else def = defNode.value === null ? '' : String(defNode.value);
    if (name === undefined) continue;
    if (!PARAMETER_NAME.test(name)) problems.add(pr.node('name')!.at, `parameter name '${name}' must be letters, digits, '_', '.' or '-'`);
    if (seen.has(name)) problems.add(pr.node('name')!.at, `duplicate job parameter '${name}'`);
    seen.add(name);
    if (def !== undefined) out.push({ name, default: def });
  }
  return out;
}

function parseSchedule(r: FieldReader): ScheduleSpec | undefined {
  const problems = r.problems;
  r.only(['quartz_cron_expression', 'cron', 'timezone_id', 'pause_status'], 'schedule');
  const quartz = r.string('quartz_cron_expression');
  const cron = r.string('cron');
  if ((quartz === undefined) === (cron === undefined)) {
    if (!r.has('quartz_cron_expression') && !r.has('cron')) {
      problems.add(r.source.at, "a schedule needs quartz_cron_expression (Quartz, e.g. '0 0 6 * * ?') or cron (five fields, e.g. '0 6 * * *')");
    } else if (quartz !== undefined && cron !== undefined) {
      problems.add(r.source.entries.get('cron')!.keyAt, 'give quartz_cron_expression or cron, not both');
    }
  }
  const expressionField = quartz !== undefined ? 'quartz_cron_expression' : 'cron';
  const check = checkCron(quartz !== undefined ? { quartzCronExpression: quartz } : cron !== undefined ? { cron } : {});
  if ((quartz !== undefined || cron !== undefined) && !check.ok) {
    problems.add(r.node(expressionField)!.at, `bad cron expression '${quartz ?? cron}': ${check.reason}`);
  }
  const timezoneId = r.string('timezone_id') ?? 'UTC';
  const tzOk = isValidTimezone(timezoneId);
  if (!tzOk) problems.add(r.node('timezone_id')!.at, `unknown time zone '${timezoneId}' (use an IANA name such as Europe/Paris or UTC)`);
  const pauseStatus = r.oneOf('pause_status', PAUSE_STATUSES) ?? 'UNPAUSED';
  if (!check.ok || !tzOk || (quartz !== undefined && cron !== undefined)) return undefined;
  return { timezoneId, pauseStatus, ...(quartz !== undefined ? { quartzCronExpression: quartz } : { cron: cron! }) };
}

function checkTaskGraph(tasks: readonly ParsedTask[], problems: ProblemList): void {
  const byKey = new Map<string, ParsedTask>();
  for (const t of tasks) {
    const prior = byKey.get(t.spec.taskKey);
    if (prior) problems.add(t.keyAt, `duplicate task_key '${t.spec.taskKey}' (first used at line ${prior.keyAt.line})`);
    else byKey.set(t.spec.taskKey, t);
  }
  for (const t of tasks) {
    const seen = new Set<string>();
    t.spec.dependsOn.forEach((d, i) => {
      const at = t.dependsOnAt[i]!;
      if (d === t.spec.taskKey) problems.add(at, `task '${d}' cannot depend on itself`);
      else if (!byKey.has(d)) problems.add(at, `depends on task '${d}', which this job does not have (tasks: ${[...byKey.keys()].join(', ')})`);
      if (seen.has(d)) problems.add(at, `depends on '${d}' twice`);
      seen.add(d);
    });
  }
  const cycle = findCycle(tasks.map((t) => ({ taskKey: t.spec.taskKey, dependsOn: t.spec.dependsOn.filter((d) => d !== t.spec.taskKey) })));
  if (cycle) {
    const first = byKey.get(cycle[0]!)!;
    const edge = first.dependsOnAt[first.spec.dependsOn.indexOf(cycle[1]!)] ?? first.keyAt;
    problems.add(edge, `cycle in depends_on: ${cycle.join(' → ')} (each task depends on the next)`);
  }
}

function checkTaskReferences(tasks: readonly ParsedTask[], parameterNames: ReadonlySet<string>, ctx: JobContext, problems: ProblemList): void {
  const byKey = new Map(tasks.map((t) => [t.spec.taskKey, t]));
  const upstreamOf = (key: string): Set<string> => {
    const out = new Set<string>();
    const queue = [...(byKey.get(key)?.spec.dependsOn ?? [])];
    while (queue.length > 0) {
      const k = queue.pop()!;
      if (out.has(k)) continue;
      out.add(k);
      queue.push(...(byKey.get(k)?.spec.dependsOn ?? []));
    }
    return out;
  };
  for (const t of tasks) {
    for (const tpl of t.templated) for (const msg of checkReferences(tpl.text, parameterNames)) problems.add(tpl.at, msg);
    const spec = t.spec;
    if (spec.type === 'gate') {
      const target = byKey.get(spec.gate.evaluationTaskKey);
      if (!target || target.spec.type !== 'evaluate') {
        problems.add(t.at, `gate '${spec.taskKey}': evaluation_task_key '${spec.gate.evaluationTaskKey}' must name an evaluate task of this job`);
      } else if (!upstreamOf(spec.taskKey).has(target.spec.taskKey)) {
        problems.add(t.at, `gate '${spec.taskKey}' must depend (directly or through other tasks) on its evaluation task '${target.spec.taskKey}'`);
      }
    }
    if (spec.type === 'deploy' && !ctx.servingEndpointKeys.has(spec.deploy.endpoint)) {
      problems.add(
        t.at,
        `deploy '${spec.taskKey}': endpoint '${spec.deploy.endpoint}' is not a key of serving_endpoints${ctx.servingEndpointKeys.size ? ` (declared: ${[...ctx.servingEndpointKeys].join(', ')})` : ''}`,
      );
    }
  }
}
