import type { RunStatus } from '@modelyard/contract';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type { JobDefinition, JobRunRecord } from '../../domain/pipelines/job-records.js';
import type { JobRunState } from '../../domain/pipelines/run-states.js';
import { SYSTEM_TAGS } from '../../domain/tracking.js';
import type { ExperimentService } from '../tracking/experiment-service.js';
import type { RunService } from '../tracking/run-service.js';

/** The MLflow run a job run logs to. Task processes get its id as MLFLOW_RUN_ID. */
export interface JobRunTracking {
  start(definition: JobDefinition, run: JobRunRecord): Promise<{ experimentId: string; runId: string }>;
  end(runId: string, state: JobRunState, endTime: number): Promise<void>;
  /** A repair runs more tasks in the same MLflow run. */
  reopen(runId: string): Promise<void>;
}

export const JOB_RUN_TAGS = {
  jobId: 'modelyard.job_id',
  jobKey: 'modelyard.job_key',
  jobRunId: 'modelyard.job_run_id',
  project: 'modelyard.project',
  target: 'modelyard.target',
  trigger: 'modelyard.trigger',
} as const;

/** The experiment a job logs to when its definition names none. */
export function defaultExperimentName(definition: JobDefinition): string {
  return `${definition.projectName}/${definition.job.key}`;
}

function mlflowStatus(state: JobRunState): RunStatus {
  if (state === 'SUCCESS' || state === 'SUCCESS_WITH_FAILURES') return 'FINISHED';
  if (state === 'CANCELED' || state === 'SKIPPED') return 'KILLED';
  return 'FAILED';
}

/** Job runs tracked in this server's own store, through the tracking services. */
export class ServicesJobRunTracking implements JobRunTracking {
  constructor(
    private readonly experiments: ExperimentService,
    private readonly runs: RunService,
  ) {}

  private async experimentId(definition: JobDefinition): Promise<string> {
    const spec = definition.experiment;
    const name = spec?.name ?? defaultExperimentName(definition);
    const find = async () => {
      try {
        return (await this.experiments.getByName(name)).experimentId;
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
    };
    const existing = await find();
    if (existing !== undefined) return existing;
    try {
      return await this.experiments.create({
        name,
        ...(spec?.artifactLocation ? { artifactLocation: spec.artifactLocation } : {}),
        tags: Object.entries(spec?.tags ?? {}).map(([key, value]) => ({ key, value })),
      });
    } catch (e) {
      // Two job runs starting at once both try to create it; the loser uses the winner's.
      if (e instanceof AlreadyExistsError) {
        const id = await find();
        if (id !== undefined) return id;
      }
      throw e;
    }
  }

  async start(definition: JobDefinition, run: JobRunRecord): Promise<{ experimentId: string; runId: string }> {
    const experimentId = await this.experimentId(definition);
    const tags = [
      { key: SYSTEM_TAGS.sourceType, value: 'JOB' },
      { key: SYSTEM_TAGS.sourceName, value: `${definition.projectName}/${definition.job.key}` },
      { key: JOB_RUN_TAGS.jobId, value: String(run.jobId) },
      { key: JOB_RUN_TAGS.jobKey, value: definition.job.key },
      { key: JOB_RUN_TAGS.jobRunId, value: String(run.jobRunId) },
      { key: JOB_RUN_TAGS.project, value: definition.projectName },
      { key: JOB_RUN_TAGS.trigger, value: run.trigger },
      ...(definition.target !== undefined ? [{ key: JOB_RUN_TAGS.target, value: definition.target }] : []),
      ...(run.actor ? [{ key: SYSTEM_TAGS.user, value: run.actor }] : []),
    ];
    const created = await this.runs.create({
      experimentId,
      runName: `${definition.job.key}-${run.jobRunId}`,
      tags,
      ...(run.startTime !== null ? { startTime: run.startTime } : {}),
    });
    const params = Object.entries(run.parameters).map(([key, value]) => ({ key, value }));
    if (params.length > 0) await this.runs.logBatch(created.info.runId, { params });
    return { experimentId, runId: created.info.runId };
  }

  async end(runId: string, state: JobRunState, endTime: number): Promise<void> {
    await this.runs.update(runId, { status: mlflowStatus(state), endTime });
  }

  async reopen(runId: string): Promise<void> {
    await this.runs.update(runId, { status: 'RUNNING' });
  }
}
