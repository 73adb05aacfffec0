import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { DagView } from './dag-view.js';
import { idFromPath } from './job-links.js';
import { JobRunsTable } from './job-runs-table.js';
import { RunNowDialog } from './run-now-dialog.js';

/** Per-stage durations over past runs, from the traces API (absent when telemetry is off). */
function StageDurations({ jobKey }: { jobKey: string }) {
  const stages = useAsync(() => sdk().traces.stageDurations(jobKey), [jobKey]);
  if (stages.error) return <ErrorBanner title="Could not load stage durations" error={stages.error} onRetry={stages.reload} />;
  if (!stages.data) return <Loading what="stage durations" />;
  if (stages.data.length === 0) return <p className="muted">No finished task attempts recorded yet.</p>;
  return (
    <table className="data-table stage-durations">
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col" className="num">
            Attempts
          </th>
          <th scope="col" className="num">
            Failed
          </th>
          <th scope="col" className="num">
            Mean
          </th>
          <th scope="col" className="num">
            p50
          </th>
          <th scope="col" className="num">
            p95
          </th>
          <th scope="col" className="num">
            Max
          </th>
        </tr>
      </thead>
      <tbody>
        {stages.data.map((s) => (
          <tr key={s.taskKey}>
            <td>{s.taskKey}</td>
            <td className="num">{s.count}</td>
            <td className="num">{s.failedCount}</td>
            <td className="num">{formatDuration(s.meanMs)}</td>
            <td className="num">{formatDuration(s.p50Ms)}</td>
            <td className="num">{formatDuration(s.p95Ms)}</td>
            <td className="num">{formatDuration(s.maxMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/jobs/:jobId`: a job's definition (task graph, parameters, schedule), its runs and stage durations. */
export function JobPage() {
  const { jobId = '' } = useParams();
  const job = useAsync(async () => sdk().jobs.getJob(idFromPath(jobId, 'job')), [jobId]);
  const [runNowOpen, setRunNowOpen] = useState(false);
  const j = job.data;

  return (
    <section className="page job-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/jobs">Jobs</Link> / <span>{j?.name ?? jobId}</span>
      </nav>
      <h1>
        {j?.name ?? `Job ${jobId}`}
        {j && (
          <button type="button" className="primary" onClick={() => setRunNowOpen(true)}>
            Run now…
          </button>
        )}
      </h1>
      {job.error && <ErrorBanner title="Could not load the job" error={job.error} onRetry={job.reload} />}
      {job.loading && !j && <Loading what="the job" />}
      {j && (
        <>
          <dl className="facts">
            <dt>Job ID</dt>
            <dd className="mono">{j.jobId}</dd>
            <dt>Project</dt>
            <dd>
              {j.project} / {j.jobKey}
              {j.target ? ` (target ${j.target})` : ''}
            </dd>
            <dt>{j.bundleSha256 ? 'Bundle' : 'Project folder'}</dt>
            <dd className="mono">{j.bundleSha256 ?? j.projectDir ?? '—'}</dd>
            <dt>Schedule</dt>
            <dd className="mono">
              {j.schedule ? `${j.schedule.quartzCronExpression ?? j.schedule.cron ?? ''} ${j.schedule.timezoneId ?? 'UTC'} · ${j.schedule.pauseStatus ?? 'UNPAUSED'}` : 'none (runs when started)'}
            </dd>
            <dt>Concurrency</dt>
            <dd>
              at most {j.maxConcurrentRuns ?? 1} at a time; {j.queueEnabled ? 'more are queued' : 'more are skipped'}
            </dd>
            <dt>Parameters</dt>
            <dd className="mono">{j.parameters.length === 0 ? '—' : j.parameters.map((p) => `${p.name}=${p.default}`).join('  ')}</dd>
            <dt>Deployed</dt>
            <dd>{formatTime(j.updatedTime)}</dd>
          </dl>
          <h2>Tasks</h2>
          <DagView
            label={`Task graph of ${j.name}`}
            tasks={j.tasks.map((t) => ({
              key: t.taskKey,
              dependsOn: t.dependsOn,
              detail: [t.type, t.maxRetries ? `retries ${t.maxRetries}` : '', t.runIf && t.runIf !== 'ALL_SUCCESS' ? t.runIf : ''].filter(Boolean).join(' · '),
            }))}
          />
          <h2>Runs</h2>
          <JobRunsTable jobId={j.jobId} />
          <h2>Stage durations</h2>
          <StageDurations jobKey={j.jobKey} />
          <RunNowDialog job={j} open={runNowOpen} onClose={() => setRunNowOpen(false)} />
        </>
      )}
    </section>
  );
}
