import type { Logger } from 'pino';
import { InvalidParameterError, InvalidStateError, NotFoundError } from '../../errors.js';
import { buildDag, downstreamOf } from '../../domain/pipelines/dag.js';
import type { JobRecord, JobRunRecord } from '../../domain/pipelines/job-records.js';
import { resolveRunParameters } from '../../domain/pipelines/job-parameters.js';
import type { TaskSpec } from '../../domain/pipelines/project-model.js';
import { isTerminalJobRunState, needsRepair } from '../../domain/pipelines/run-states.js';
import type { JobRunState, JobRunTrigger } from '../../domain/pipelines/run-states.js';
import type { AttemptStore } from '../../stores/jobs/attempt-store.js';
import type { JobRunStore } from '../../stores/jobs/job-run-store.js';
import type { JobStore } from '../../stores/jobs/job-store.js';
import type { JobRunTracing } from '../../telemetry/job-run-tracing.js';
import type { TaskExecutor } from './task-executor.js';
import { JobRunDriver } from './job-run-driver.js';
import type { JobRunTracking } from './job-run-tracking.js';

export interface JobRunnerDeps {
  jobs: JobStore;
  runs: JobRunStore;
  attempts: AttemptStore;
  executor: TaskExecutor;
  executorNameFor: (task: TaskSpec) => string;
  tracking: JobRunTracking;
  /** Root folder of attempt logs. */
  logRoot: string;
  /** What task processes get as MLFLOW_TRACKING_URI (known only once the HTTP server listens). */
  trackingUri: () => string | undefined;
  logger: Logger;
  now?: () => number;
  /** Identifies this process as the owner of the runs it drives. */
  ownerId?: string;
  /** How often the runner says it is alive, polls cancels and looks for work. Default 1 s. */
  tickIntervalMs?: number;
  /** A running run whose owner has been silent this long is taken over. Default 30 s. */
  staleAfterMs?: number;
  /**
   * Whether ticks take over stale runs and start other processes' queued runs (the server: yes).
   * A `modelyard run` in a terminal only drives its own run.
   */
  adoptOrphans?: boolean;
  /** Traces job runs (a trace per run, a span per task attempt); without it nothing is traced. */
  tracing?: JobRunTracing;
}

export interface TriggerInput {
  trigger: JobRunTrigger;
  actor: string | null;
  /** Overrides of the job's parameter defaults; undeclared names are refused. */
  parameters?: Record<string, string>;
  scheduledTime?: number;
}

/**
 * Starts, cancels, repairs and recovers job runs. Several runner processes may share a store (the
 * server, a `modelyard run` in a terminal); they coordinate only through it: a run is driven by
 * the process whose `owner_id` it carries, and taken over when that owner stops heartbeating.
 */
export class JobRunner {
  readonly ownerId: string;
  private readonly drivers = new Map<number, JobRunDriver>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: JobRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.ownerId = deps.ownerId ?? `runner-${crypto.randomUUID().slice(0, 8)}-${process.pid}`;
  }

  /** Creates a run and starts it if the job has a free slot (else queues or skips it, per the job). */
  async trigger(job: JobRecord, input: TriggerInput): Promise<JobRunRecord | undefined> {
    const parameters = resolveRunParameters(job.definition.job.parameters, input.parameters ?? {});
    const run = await this.deps.runs.create({
      jobId: job.jobId,
      trigger: input.trigger,
      actor: input.actor,
      parameters,
      definition: job.definition,
      now: this.now(),
      ...(input.scheduledTime !== undefined ? { scheduledTime: input.scheduledTime } : {}),
    });
    if (!run) return undefined;
    await this.dispatch(job.jobId);
    return this.deps.runs.get(run.jobRunId);
  }

  /** Starts queued runs of a job, oldest first, while it has free slots. */
  async dispatch(jobId: number): Promise<void> {
    for (const queued of await this.deps.runs.queued(jobId)) {
      const job = queued.definition.job;
      const r = await this.deps.runs.startIfCapacity(queued.jobRunId, jobId, job.maxConcurrentRuns, this.ownerId, this.now());
      if (r === 'started') await this.launch(queued.jobRunId);
      else if (r === 'at-capacity') {
        if (job.queueEnabled) return;
        await this.deps.runs.endQueued(queued.jobRunId, 'SKIPPED', `skipped: max_concurrent_runs (${job.maxConcurrentRuns}) reached and queueing is disabled`, this.now());
      }
    }
  }

  private async launch(jobRunId: number): Promise<void> {
    let run = await this.deps.runs.get(jobRunId);
    if (!run || this.drivers.has(jobRunId)) return;
    if (!run.mlflowRunId) {
      try {
        const tracked = await this.deps.tracking.start(run.definition, run);
        await this.deps.runs.setMlflowRun(jobRunId, tracked.experimentId, tracked.runId);
        run = { ...run, mlflowExperimentId: tracked.experimentId, mlflowRunId: tracked.runId };
      } catch (e) {
        const message = `could not create the job run's MLflow run: ${(e as Error).message}`;
        this.deps.logger.error({ err: e, job_run_id: jobRunId }, message);
        await this.deps.runs.finish(jobRunId, this.ownerId, 'FAILED', message, this.now());
        return;
      }
    }
    const driver = new JobRunDriver(run, {
      runs: this.deps.runs,
      attempts: this.deps.attempts,
      executor: this.deps.executor,
      executorNameFor: this.deps.executorNameFor,
      tracking: this.deps.tracking,
      logRoot: this.deps.logRoot,
      trackingUri: this.deps.trackingUri(),
      ownerId: this.ownerId,
      now: this.now,
      logger: this.deps.logger.child({ job_run_id: jobRunId, job_key: run.definition.job.key, ...this.deps.tracing?.logFields(run) }),
      ...(this.deps.tracing ? { tracing: this.deps.tracing } : {}),
    });
    this.drivers.set(jobRunId, driver);
    const jobId = run.jobId;
    void driver.start().then(async (state) => {
      this.drivers.delete(jobRunId);
      this.deps.logger.info({ job_run_id: jobRunId, state }, 'job run ended');
      if (isTerminalJobRunState(state)) await this.dispatch(jobId).catch((e: unknown) => this.deps.logger.error({ err: e }, 'dispatch failed'));
    });
  }

  async cancel(jobRunId: number, actor: string | null): Promise<JobRunRecord> {
    const run = await this.requireRun(jobRunId);
    const message = `canceled${actor ? ` by ${actor}` : ''}`;
    const r = await this.deps.runs.requestCancel(jobRunId, this.now(), message);
    if (r === 'not-active') throw new InvalidStateError(`job run ${jobRunId} is already ${run.state}; only queued or running runs can be canceled`);
    // A run this process drives stops now; one driven elsewhere stops when its owner polls.
    await this.drivers.get(jobRunId)?.cancel(message);
    return (await this.deps.runs.get(jobRunId))!;
  }

  /**
   * Re-runs, inside the same job run, the given tasks (default: every failed, timed-out or
   * canceled one) and everything downstream of them; succeeded tasks keep their results.
   * `dependents: false` (the Jobs API's default, `rerun_dependent_tasks`) re-runs only the tasks
   * named, leaving their succeeded dependants as they are.
   */
  async repair(jobRunId: number, opts: { taskKeys?: string[]; actor: string | null; dependents?: boolean }): Promise<JobRunRecord> {
    const run = await this.requireRun(jobRunId);
    if (!isTerminalJobRunState(run.state)) {
      throw new InvalidStateError(`job run ${jobRunId} is ${run.state}; a run can be repaired once it has ended`);
    }
    if (run.state === 'SKIPPED') throw new InvalidStateError(`job run ${jobRunId} was skipped; start a new run instead`);
    const dag = buildDag(run.definition.job.tasks);
    const taskRuns = await this.deps.runs.taskRuns(jobRunId);
    let roots: string[];
    if (opts.taskKeys && opts.taskKeys.length > 0) {
      const unknown = opts.taskKeys.filter((k) => !dag.dependencies.has(k));
      if (unknown.length) throw new InvalidParameterError(`job run ${jobRunId} has no task ${unknown.map((k) => `'${k}'`).join(', ')} (tasks: ${dag.order.join(', ')})`);
      roots = opts.taskKeys;
    } else {
      roots = taskRuns.filter((t) => needsRepair(t.state)).map((t) => t.taskKey);
      if (roots.length === 0) throw new InvalidStateError(`job run ${jobRunId} has no failed or canceled tasks to repair`);
    }
    const reset = opts.dependents === false ? [...new Set(roots)] : [...downstreamOf(dag, roots)];
    if (!(await this.deps.runs.beginRepair(jobRunId, reset, this.ownerId, this.now()))) {
      throw new InvalidStateError(`job run ${jobRunId} was started again by someone else`);
    }
    if (run.mlflowRunId) {
      await this.deps.tracking.reopen(run.mlflowRunId).catch((e: unknown) => this.deps.logger.warn({ err: e, job_run_id: jobRunId }, 'could not reopen the MLflow run'));
    }
    this.deps.logger.info({ job_run_id: jobRunId, tasks: reset, actor: opts.actor }, 'repairing job run');
    // The run as the repair left it, read before launching: a quick task could otherwise end the
    // run before the answer is built, and the caller would be told the repair already FAILED.
    const repaired = (await this.deps.runs.get(jobRunId))!;
    await this.launch(jobRunId);
    return repaired;
  }

  /** Takes over running runs whose owner stopped heartbeating; returns how many. */
  async recoverStale(): Promise<number> {
    const stale = await this.deps.runs.stale(this.now() - (this.deps.staleAfterMs ?? 30_000));
    let taken = 0;
    for (const run of stale) {
      if (this.drivers.has(run.jobRunId)) continue;
      if (!(await this.deps.runs.takeOver(run, this.ownerId, this.now()))) continue;
      this.deps.logger.warn({ job_run_id: run.jobRunId, previous_owner: run.ownerId }, 'recovering job run from a runner that stopped');
      taken++;
      await this.launch(run.jobRunId);
    }
    return taken;
  }

  /** One round of housekeeping: heartbeat, cancels asked by other processes, recovery, queued runs. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await this.deps.runs.heartbeat(this.ownerId, this.now());
        for (const id of await this.deps.runs.cancelRequestedFor(this.ownerId)) {
          const run = await this.deps.runs.get(id);
          await this.drivers.get(id)?.cancel(run?.stateMessage ?? 'canceled');
          if (!this.drivers.has(id) && run) await this.deps.runs.finish(id, this.ownerId, 'CANCELED', 'canceled', this.now());
        }
        if (this.deps.adoptOrphans ?? true) {
          await this.recoverStale();
          for (const jobId of await this.deps.runs.jobsWithQueuedRuns()) await this.dispatch(jobId);
        }
      } catch (e) {
        this.deps.logger.error({ err: e }, 'job runner tick failed');
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Ticks in the background until `stop`. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.tickIntervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Shuts down without deciding anything about runs in flight: drivers stop writing, processes are
   * stopped, and the runs are released so the next runner (this server restarted) recovers them.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    for (const d of this.drivers.values()) d.detach();
    this.drivers.clear();
    await this.deps.executor.close();
    await this.deps.runs.release(this.ownerId);
  }

  /** Settles when the run this process drives ends (immediately if it drives none by that id). */
  async waitFor(jobRunId: number): Promise<JobRunState | undefined> {
    return this.drivers.get(jobRunId)?.finished;
  }

  isDriving(jobRunId: number): boolean {
    return this.drivers.has(jobRunId);
  }

  private async requireRun(jobRunId: number): Promise<JobRunRecord> {
    const run = await this.deps.runs.get(jobRunId);
    if (!run) throw new NotFoundError(`job run ${jobRunId} does not exist`);
    return run;
  }
}
