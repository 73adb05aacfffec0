import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { cancelRun, getJob, getRun, isActiveRun } from '../../api/jobs.js';
import type { JobRunDetail, TaskRun } from '../../api/jobs.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { usePolling } from '../../lib/use-polling.js';
import { DagView } from './dag-view.js';
import { GanttChart } from './gantt-chart.js';
import { StateBadge, jobLink } from './job-links.js';
import { RepairDialog, repairableTasks } from './repair-dialog.js';
import { TaskPanel } from './task-panel.js';

const POLL_MS = 1000;

function RunFacts({ run, jobName }: { run: JobRunDetail; jobName: string | undefined }) {
  return (
    <dl className="facts">
      <dt>Job</dt>
      <dd>
        <Link to={jobLink(run.job_id)}>{jobName ?? run.job_key ?? run.job_id}</Link>
      </dd>
      <dt>Trigger</dt>
      <dd>
        {run.trigger ?? '—'}
        {run.actor ? ` by ${run.actor}` : ''}
        {run.repair_count ? ` · repaired ${run.repair_count}×` : ''}
      </dd>
      <dt>Started</dt>
      <dd>{formatTime(run.start_time ?? run.queued_time)}</dd>
      <dt>Ended</dt>
      <dd>{formatTime(run.end_time)}</dd>
      <dt>Duration</dt>
      <dd>{formatDuration(runDuration(run.start_time, run.end_time))}</dd>
      <dt>Parameters</dt>
      <dd className="mono">{(run.job_parameters ?? []).length === 0 ? '—' : (run.job_parameters ?? []).map((p) => `${p.name}=${p.value}`).join('  ')}</dd>
      <dt>MLflow run</dt>
      <dd>{run.mlflow_run_id ? <Link to={`/runs/${encodeURIComponent(run.mlflow_run_id)}`}>{run.mlflow_run_id}</Link> : '—'}</dd>
      <dt>Trace</dt>
      <dd>
        <Link to={`/traces?job_run_id=${run.run_id}`}>Spans of this run</Link>
      </dd>
      {run.state_message && (
        <>
          <dt>Message</dt>
          <dd className="wrap">{run.state_message}</dd>
        </>
      )}
    </dl>
  );
}

function taskDetail(t: TaskRun, now: number): string {
  const parts: string[] = [];
  if (t.start_time !== undefined) parts.push(formatDuration((t.end_time ?? now) - t.start_time));
  if ((t.attempt_count ?? 0) > 1) parts.push(`${t.attempt_count} attempts`);
  return parts.join(' · ');
}

/**
 * `/jobs/runs/:runId?task=&attempt=&stream=`: a job run while it runs and after. The task graph is
 * coloured by state, the Gantt shows where the time went, and the chosen task's attempt log
 * streams while it runs. The page polls the run once a second until it ends.
 */
export function JobRunPage() {
  const { runId = '' } = useParams();
  const [task, setTask] = useQueryParam('task');
  const run = useAsync((signal) => getRun(runId, signal), [runId]);
  const r = run.data;
  const job = useAsync((signal) => (r ? getJob(r.job_id, signal) : Promise.resolve(undefined)), [r?.job_id]);
  const active = r !== undefined && isActiveRun(r.state);
  usePolling(run.reload, POLL_MS, active);
  const [dialog, setDialog] = useState<'cancel' | 'repair' | undefined>();
  const now = Date.now();

  const tasks = r?.tasks ?? [];
  const deps = new Map((job.data?.tasks ?? []).map((t) => [t.task_key, (t.depends_on ?? []).map((d) => d.task_key)]));
  const selected = tasks.find((t) => t.task_key === task) ?? tasks.find((t) => t.state === 'RUNNING') ?? tasks.find((t) => (t.attempt_count ?? 0) > 0);
  const select = (key: string) => setTask(key, { replace: true });

  return (
    <section className="page job-run-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/jobs">Jobs</Link> / {r ? <Link to={jobLink(r.job_id)}>{job.data?.name ?? r.job_key ?? r.job_id}</Link> : '…'} / <span>Run {runId}</span>
      </nav>
      <h1>
        Run {runId}
        {r && <StateBadge state={r.state} />}
        {r && isActiveRun(r.state) && (
          <button type="button" className="danger" onClick={() => setDialog('cancel')}>
            Cancel run…
          </button>
        )}
        {r && !isActiveRun(r.state) && repairableTasks(r).length > 0 && (
          <button type="button" className="primary" onClick={() => setDialog('repair')}>
            Repair run…
          </button>
        )}
      </h1>
      {run.error && <ErrorBanner title="Could not load the job run" error={run.error} onRetry={run.reload} />}
      {run.loading && !r && <Loading what="the job run" />}
      {r && (
        <>
          <RunFacts run={r} jobName={job.data?.name} />
          {job.error && <ErrorBanner title="Could not load the job's task graph" error={job.error} onRetry={job.reload} />}
          <h2>Tasks</h2>
          <DagView
            label={`Tasks of run ${r.run_id}, coloured by state`}
            tasks={tasks.map((t) => ({ key: t.task_key, dependsOn: deps.get(t.task_key) ?? [], state: t.state, detail: taskDetail(t, now) }))}
            {...(selected ? { selected: selected.task_key } : {})}
            onSelect={select}
          />
          <h2>Timeline</h2>
          <GanttChart tasks={tasks} runStart={r.start_time} now={now} onSelect={select} />
          {selected && <TaskPanel key={selected.task_key} runId={r.run_id} task={selected} />}
          <ConfirmDialog
            open={dialog === 'cancel'}
            title={`Cancel run ${r.run_id}?`}
            confirmLabel="Cancel run"
            onClose={() => setDialog(undefined)}
            onConfirm={async () => {
              await cancelRun(r.run_id);
              run.reload();
            }}
          >
            <p>Running task processes are stopped (SIGTERM, then SIGKILL) and tasks that have not started are canceled. A canceled run can be repaired later.</p>
          </ConfirmDialog>
          <RepairDialog run={r} open={dialog === 'repair'} onClose={() => setDialog(undefined)} onRepaired={run.reload} />
        </>
      )}
    </section>
  );
}
