import type { Logger } from 'pino';
import { fireTimesBetween } from '../../domain/pipelines/cron-schedule.js';
import type { JobRunRecord } from '../../domain/pipelines/job-records.js';
import type { JobStore } from '../../stores/jobs/job-store.js';
import type { JobRunner } from './job-runner.js';

export interface JobSchedulerDeps {
  jobs: JobStore;
  runner: JobRunner;
  logger: Logger;
  now?: () => number;
  /** How often schedules are looked at. Default 1 s (Quartz expressions have seconds). */
  intervalMs?: number;
}

export interface FiredRun {
  jobId: number;
  scheduledTime: number;
  /** Undefined when another scheduler process had already taken this fire. */
  run: JobRunRecord | undefined;
}

/**
 * Fires scheduled job runs. State lives in the store: each job's schedule cursor (fire times up to
 * it are handled) and the unique (job, scheduled_time) of job runs, so a fire is taken exactly once
 * even with several scheduler processes or a crash between the two writes.
 *
 * Misfires (fires missed while no scheduler ran) are coalesced into one run at the latest missed
 * time, like Quartz's "fire once now" policy; fires missed while a schedule was PAUSED are dropped.
 * Whether a fire that finds the job busy queues or is skipped is the runner's max_concurrent_runs
 * rule, the same as for manual runs.
 */
export class JobScheduler {
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<FiredRun[]> | undefined;

  constructor(private readonly deps: JobSchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  tick(): Promise<FiredRun[]> {
    this.running ??= this.fireDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fireDue(): Promise<FiredRun[]> {
    const now = this.now();
    const fired: FiredRun[] = [];
    for (const job of await this.deps.jobs.list()) {
      const schedule = job.definition.job.schedule;
      if (!schedule) continue;
      try {
        if (schedule.pauseStatus === 'PAUSED' || job.scheduleCursorTime === null) {
          // A new or paused schedule starts from now: nothing before it is owed.
          await this.deps.jobs.advanceScheduleCursor(job.jobId, now);
          continue;
        }
        const due = fireTimesBetween(schedule, job.scheduleCursorTime, now);
        const fire = due[due.length - 1];
        if (fire === undefined) continue;
        if (due.length > 1) this.deps.logger.warn({ job_id: job.jobId, missed: due.length - 1 }, 'coalescing missed schedule fires into one run');
        // Run first, cursor second: a crash in between re-finds the fire, and the unique
        // scheduled_time turns the second attempt into a no-op.
        const run = await this.deps.runner.trigger(job, { trigger: 'SCHEDULE', actor: 'scheduler', scheduledTime: fire });
        await this.deps.jobs.advanceScheduleCursor(job.jobId, fire);
        fired.push({ jobId: job.jobId, scheduledTime: fire, run });
        if (run) this.deps.logger.info({ job_id: job.jobId, job_run_id: run.jobRunId, scheduled_time: new Date(fire).toISOString(), state: run.state }, 'scheduled run fired');
      } catch (e) {
        this.deps.logger.error({ err: e, job_id: job.jobId }, 'could not fire a scheduled run');
      }
    }
    return fired;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
