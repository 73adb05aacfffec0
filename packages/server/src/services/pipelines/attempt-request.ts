import { join } from 'node:path';
import type { JobRunRecord } from '../../domain/pipelines/job-records.js';
import { parameterEnvName, substituteReferences } from '../../domain/pipelines/job-parameters.js';
import type { ReferenceContext } from '../../domain/pipelines/job-parameters.js';
import { substituteShellReferences } from '../../domain/pipelines/shell-references.js';
import type { TaskSpec } from '../../domain/pipelines/project-model.js';
import type { AttemptRequest } from './task-executor.js';

/** Where an attempt's logs go: `<logRoot>/<job run>/<task>/attempt-<n>/{stdout,stderr}.log`. */
export function attemptLogPaths(logRoot: string, jobRunId: number, taskKey: string, attemptNumber: number) {
  const dir = join(logRoot, String(jobRunId), taskKey, `attempt-${attemptNumber}`);
  return { stdoutPath: join(dir, 'stdout.log'), stderrPath: join(dir, 'stderr.log') };
}

/**
 * A command string with each value as one shell-quoted word. A definition the parser did not check
 * (deployed before references in command strings were checked, or built in code) may still place
 * a reference where quoting cannot protect it: the attempt then runs a fixed argv that prints why
 * and exits 2, so every executor (local pool, queue workers, older workers) fails it with the reason
 * in its stderr log and message, and the command itself never runs.
 */
function shellCommand(command: string, ctx: ReferenceContext): string | string[] {
  const r = substituteShellReferences(command, ctx);
  if ('command' in r) return r.command;
  return ['/bin/sh', '-c', 'printf \'modelyard: %s\\n\' "$1" >&2; exit 2', 'modelyard', `the command was not run: ${r.problem}`];
}

/**
 * Builds what the executor receives: references substituted, and the environment every task sees
 * (MLflow's variables so `mlflow`/our SDK log into the job run's MLflow run without configuration,
 * then job/task ids and parameters).
 */
export function buildAttemptRequest(input: {
  run: JobRunRecord;
  task: TaskSpec;
  attemptId: number;
  attemptNumber: number;
  trackingUri: string | undefined;
  logRoot: string;
}): AttemptRequest {
  const { run, task, attemptNumber } = input;
  const def = run.definition;
  const ctx: ReferenceContext = {
    parameters: run.parameters,
    values: {
      'job.id': String(run.jobId),
      'job.name': def.job.name,
      'job.run_id': String(run.jobRunId),
      'job.repair_count': String(run.repairCount),
      'job.trigger.type': run.trigger,
      'task.name': task.taskKey,
      'task.execution_count': String(attemptNumber),
    },
  };
  // Raw values: argv elements, env values and paths reach the program as they are, no shell reads them.
  const sub = (s: string) => substituteReferences(s, ctx);
  let resolved: TaskSpec = task;
  const env: Record<string, string> = {};
  if (task.type === 'command') {
    for (const [k, v] of Object.entries(task.command.env)) env[k] = sub(v);
    const command = typeof task.command.command === 'string' ? shellCommand(task.command.command, ctx) : task.command.command.map(sub);
    resolved = { ...task, command: { ...task.command, command } };
  } else if (task.type === 'evaluate') {
    const e = task.evaluate;
    resolved = { ...task, evaluate: { ...e, challengerModelUri: sub(e.challengerModelUri), dataPath: sub(e.dataPath), ...(e.championModelUri ? { championModelUri: sub(e.championModelUri) } : {}) } };
  } else if (task.type === 'promote') {
    resolved = { ...task, promote: { ...task.promote, modelUri: sub(task.promote.modelUri) } };
  } else if (task.type === 'batch_score') {
    const b = task.batchScore;
    resolved = { ...task, batchScore: { ...b, modelUri: sub(b.modelUri), inputPath: sub(b.inputPath), outputPath: sub(b.outputPath) } };
  } else if (task.type === 'deploy') {
    resolved = { ...task, deploy: { ...task.deploy, modelUri: sub(task.deploy.modelUri) } };
  }
  if (input.trackingUri) env.MLFLOW_TRACKING_URI = input.trackingUri;
  if (def.workspace.registryUri) env.MLFLOW_REGISTRY_URI = def.workspace.registryUri;
  // What the SDK sends as X-Modelyard-User: a version a train task registers (here or in a central
  // registry) is credited to the job run, as the in-process tasks' stage moves are (`job-run:<id>`).
  env.MODELYARD_USER = `job-run:${run.jobRunId}`;
  if (run.mlflowRunId) env.MLFLOW_RUN_ID = run.mlflowRunId;
  if (run.mlflowExperimentId) env.MLFLOW_EXPERIMENT_ID = run.mlflowExperimentId;
  // A bundle's folder is known only where it is unpacked; the executor that unpacks it sets this.
  if (!def.bundle) env.MODELYARD_PROJECT_DIR = def.projectDir;
  env.MODELYARD_JOB_ID = String(run.jobId);
  env.MODELYARD_JOB_KEY = def.job.key;
  env.MODELYARD_JOB_RUN_ID = String(run.jobRunId);
  env.MODELYARD_TASK_KEY = task.taskKey;
  env.MODELYARD_ATTEMPT_NUMBER = String(attemptNumber);
  env.MODELYARD_PARAMETERS = JSON.stringify(run.parameters);
  for (const [name, value] of Object.entries(run.parameters)) env[parameterEnvName(name)] = value;
  return {
    attemptId: input.attemptId,
    jobRunId: run.jobRunId,
    taskKey: task.taskKey,
    attemptNumber,
    task: resolved,
    projectDir: def.projectDir,
    ...(def.bundle ? { bundle: def.bundle } : {}),
    env,
    ...attemptLogPaths(input.logRoot, run.jobRunId, task.taskKey, attemptNumber),
    ...(task.timeoutSeconds ? { timeoutMs: task.timeoutSeconds * 1000 } : {}),
  };
}
