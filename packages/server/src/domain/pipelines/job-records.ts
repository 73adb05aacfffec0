import type { BundleRef } from './bundle-ref.js';
import type { ExperimentSpec, JobSpec, ProjectSpec, ServingEndpointSpec, WorkspaceSpec } from './project-model.js';
import type { AttemptState, AttemptTrigger, JobRunState, JobRunTrigger, TaskRunState } from './run-states.js';

/**
 * What a deployed job carries: its spec plus the bits of the project it needs at run time. It is
 * snapshotted onto every job run, so a run is repaired and recovered with the definition it
 * started with even if the project was redeployed since.
 */
export interface JobDefinition {
  projectName: string;
  target?: string;
  /**
   * Absolute folder of `modelyard.yaml` on the machine that deployed it; command tasks run inside
   * it. Unused when `bundle` is set ('' then): each executor unpacks the bundle and runs there.
   */
  projectDir: string;
  /** The code this job runs (`modelyard deploy`); absent for jobs deployed from a local folder. */
  bundle?: BundleRef;
  job: JobSpec;
  experiment?: ExperimentSpec;
  workspace: WorkspaceSpec;
  /** The serving endpoints its deploy tasks name (absent on definitions stored before deploy ran). */
  servingEndpoints?: Record<string, ServingEndpointSpec>;
}

export function jobDefinitionOf(project: ProjectSpec, jobKey: string, projectDir: string, bundle?: BundleRef): JobDefinition {
  const job = project.jobs[jobKey];
  if (!job) throw new Error(`project '${project.name}' has no job '${jobKey}'`);
  const experiment = job.experiment !== undefined ? project.experiments[job.experiment] : undefined;
  const endpointKeys = job.tasks.flatMap((t) => (t.type === 'deploy' ? [t.deploy.endpoint] : []));
  const servingEndpoints = Object.fromEntries(endpointKeys.flatMap((k) => (project.servingEndpoints[k] ? [[k, project.servingEndpoints[k]]] : [])));
  return {
    projectName: project.name,
    projectDir: bundle ? '' : projectDir,
    job,
    workspace: project.workspace,
    ...(bundle ? { bundle } : {}),
    ...(project.target !== undefined ? { target: project.target } : {}),
    ...(experiment ? { experiment } : {}),
    ...(endpointKeys.length > 0 ? { servingEndpoints } : {}),
  };
}

export interface JobRecord {
  jobId: number;
  projectName: string;
  jobKey: string;
  target: string;
  name: string;
  projectDir: string;
  definition: JobDefinition;
  scheduleCursorTime: number | null;
  createdTime: number;
  updatedTime: number;
}

export interface JobRunRecord {
  jobRunId: number;
  jobId: number;
  state: JobRunState;
  stateMessage: string | null;
  trigger: JobRunTrigger;
  actor: string | null;
  parameters: Record<string, string>;
  definition: JobDefinition;
  mlflowExperimentId: string | null;
  mlflowRunId: string | null;
  scheduledTime: number | null;
  queuedTime: number;
  startTime: number | null;
  endTime: number | null;
  repairCount: number;
  ownerId: string | null;
  heartbeatTime: number | null;
  cancelRequested: boolean;
}

export interface TaskRunRecord {
  jobRunId: number;
  taskKey: string;
  state: TaskRunState;
  stateMessage: string | null;
  startTime: number | null;
  endTime: number | null;
  attemptCount: number;
  nextAttemptTime: number | null;
  result: unknown;
}

export interface AttemptRecord {
  attemptId: number;
  jobRunId: number;
  taskKey: string;
  attemptNumber: number;
  state: AttemptState;
  trigger: AttemptTrigger;
  stateMessage: string | null;
  executor: string;
  executorRef: string | null;
  queuedTime: number;
  startTime: number | null;
  endTime: number | null;
  exitCode: number | null;
  signal: string | null;
  stdoutPath: string | null;
  stderrPath: string | null;
}
