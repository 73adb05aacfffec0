/**
 * How Jobs API objects sit in the pipelines tables.
 *
 * Jobs created through the Jobs API have no project: their `project_name` is '' (a project file
 * cannot name itself ''), their key is their id, and one-time runs (`runs/submit`) hang off a
 * hidden job whose key starts with `submit-` (a project's job keys start with a letter or '_', so
 * neither kind can collide with a deployed job on the (project, key, target) unique key).
 */
export const API_PROJECT_NAME = '';
export const ONE_TIME_KEY_PREFIX = 'submit-';

export function isApiJob(projectName: string): boolean {
  return projectName === API_PROJECT_NAME;
}

export function isOneTimeJob(job: { projectName: string; jobKey: string }): boolean {
  return isApiJob(job.projectName) && job.jobKey.startsWith(ONE_TIME_KEY_PREFIX);
}

/**
 * Databricks gives every task run its own run id, unique with job run ids, and `runs/get-output`
 * takes one. A task attempt's id moved past any job run id serves: job run ids stay far below
 * 10^12 and the sum stays a safe JavaScript integer (below 2^53) for 8 × 10^15 attempts.
 */
export const TASK_RUN_ID_OFFSET = 1_000_000_000_000;

export function taskRunIdOf(attemptId: number): number {
  return TASK_RUN_ID_OFFSET + attemptId;
}

/** The attempt a task run id names, or undefined when the id is a job run's. */
export function attemptIdOfTaskRun(runId: number): number | undefined {
  return runId > TASK_RUN_ID_OFFSET ? runId - TASK_RUN_ID_OFFSET : undefined;
}
