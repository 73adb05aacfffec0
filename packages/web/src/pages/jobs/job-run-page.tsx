import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { JobRunDetail, TaskRun } from '@modelyard/sdk/client';
import { isActiveRun } from '../../lib/job-states.js';
import { sdk } from '../../sdk-client.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { usePolling } from '../../lib/use-polling.js';
import { DagView } from './dag-view.js';
import { GanttChart } from './gantt-chart.js';
import { StateBadge, idFromPath, jobLink } from './job-links.js';
import { RepairDialog, repairableTasks } from './repair-dialog.js';
import { TaskPanel } from './task-panel.js';

const POLL_MS = 1000;

function RunFacts({ run, jobName }: { run: JobRunDetail; jobName: string | undefined }) {
  return (
    <dl className="facts">
      <dt>Job</dt>
      <dd>
        <Link to={jobLink(run.jobId)}>{jobName ?? run.jobKey ?? run.jobId}</Link>
      </dd>
      <dt>Trigger</dt>
      <dd>
        {run.trigger ?? '—'}
        {run.actor ? ` by ${run.actor}` : ''}
        {run.repairCount ? ` · repaired ${run.repairCount}×` : ''}
      </dd>
      <dt>Started</dt>
      <dd>{formatTime(run.startTime ?? run.queuedTime)}</dd>
      <dt>Ended</dt>
      <dd>{formatTime(run.endTime)}</dd>
      <dt>Duration</dt>
      <dd>{formatDuration(runDuration(run.startTime, run.endTime))}</dd>
      <dt>Parameters</dt>
      <dd className="mono">{Object.keys(run.parameters).length === 0 ? '—' : Object.entries(run.parameters).map(([name, value]) => `${name}=${value}`).join('  ')}</dd>
      <dt>MLflow run</dt>
      <dd>{run.mlflowRunId ? <Link to={`/runs/${encodeURIComponent(run.mlflowRunId)}`}>{run.mlflowRunId}</Link> : '—'}</dd>
      <dt>Trace</dt>
      <dd>
        <Link to={`/traces?job_run_id=${run.runId}`}>Spans of this run</Link>
      </dd>
      {run.stateMessage && (
        <>
          <dt>Message</dt>
          <dd className="wrap">{run.stateMessage}</dd>
        </>
      )}
    </dl>
  );
}

function taskDetail(t: TaskRun, now: number): string {
  const parts: string[] = [];
  if (t.startTime !== undefined) parts.push(formatDuration((t.endTime ?? now) - t.startTime));
  if (t.attemptCount > 1) parts.push(`${t.attemptCount} attempts`);
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
  const run = useAsync(async () => sdk().jobs.getRun(idFromPath(runId, 'job run')), [runId]);
  const r = run.data;
  const job = useAsync(() => (r ? sdk().jobs.getJob(r.jobId) : Promise.resolve(undefined)), [r?.jobId]);
  const active = r !== undefined && isActiveRun(r.state);
  usePolling(run.reload, POLL_MS, active);
  const [dialog, setDialog] = useState<'cancel' | 'repair' | undefined>();
  const now = Date.now();

  const tasks = r?.tasks ?? [];
  const deps = new Map((job.data?.tasks ?? []).map((t) => [t.taskKey, t.dependsOn]));
  const selected = tasks.find((t) => t.taskKey === task) ?? tasks.find((t) => t.state === 'RUNNING') ?? tasks.find((t) => t.attemptCount > 0);
  const select = (key: string) => setTask(key, { replace: true });

  return (
    <section className="page job-run-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/jobs">Jobs</Link> / {r ? <Link to={jobLink(r.jobId)}>{job.data?.name ?? r.jobKey ?? r.jobId}</Link> : '…'} / <span>Run {runId}</span>
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
            label={`Tasks of run ${r.runId}, coloured by state`}
            tasks={tasks.map((t) => ({ key: t.taskKey, dependsOn: deps.get(t.taskKey) ?? [], state: t.state, detail: taskDetail(t, now) }))}
            {...(selected ? { selected: selected.taskKey } : {})}
            onSelect={select}
          />
          <h2>Timeline</h2>
          <GanttChart tasks={tasks} runStart={r.startTime} now={now} onSelect={select} />
          {selected && <TaskPanel key={selected.taskKey} runId={r.runId} task={selected} />}
          <ConfirmDialog
            open={dialog === 'cancel'}
            title={`Cancel run ${r.runId}?`}
            confirmLabel="Cancel run"
            onClose={() => setDialog(undefined)}
            onConfirm={async () => {
              await sdk().jobs.cancelRun(r.runId);
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
