import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { getJob } from '../../api/jobs.js';
import { stageDurations } from '../../api/traces.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { DagView } from './dag-view.js';
import { JobRunsTable } from './job-runs-table.js';
import { RunNowDialog } from './run-now-dialog.js';

/** Per-stage durations over past runs, from the traces API (absent when telemetry is off). */
function StageDurations({ jobKey }: { jobKey: string }) {
  const stages = useAsync((signal) => stageDurations(jobKey, signal), [jobKey]);
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
          <tr key={s.task_key}>
            <td>{s.task_key}</td>
            <td className="num">{s.count}</td>
            <td className="num">{s.failed_count}</td>
            <td className="num">{formatDuration(s.mean_ms)}</td>
            <td className="num">{formatDuration(s.p50_ms)}</td>
            <td className="num">{formatDuration(s.p95_ms)}</td>
            <td className="num">{formatDuration(s.max_ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/jobs/:jobId`: a job's definition (task graph, parameters, schedule), its runs and stage durations. */
export function JobPage() {
  const { jobId = '' } = useParams();
  const job = useAsync((signal) => getJob(jobId, signal), [jobId]);
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
            <dd className="mono">{j.job_id}</dd>
            <dt>Project</dt>
            <dd>
              {j.project} / {j.job_key}
              {j.target ? ` (target ${j.target})` : ''}
            </dd>
            <dt>Project folder</dt>
            <dd className="mono">{j.project_dir ?? '—'}</dd>
            <dt>Schedule</dt>
            <dd className="mono">
              {j.schedule ? `${j.schedule.quartz_cron_expression ?? j.schedule.cron ?? ''} ${j.schedule.timezone_id ?? 'UTC'} · ${j.schedule.pause_status ?? 'UNPAUSED'}` : 'none (runs when started)'}
            </dd>
            <dt>Concurrency</dt>
            <dd>
              at most {j.max_concurrent_runs ?? 1} at a time; {j.queue?.enabled ? 'more are queued' : 'more are skipped'}
            </dd>
            <dt>Parameters</dt>
            <dd className="mono">{(j.parameters ?? []).length === 0 ? '—' : (j.parameters ?? []).map((p) => `${p.name}=${p.default}`).join('  ')}</dd>
            <dt>Deployed</dt>
            <dd>{formatTime(j.updated_time)}</dd>
          </dl>
          <h2>Tasks</h2>
          <DagView
            label={`Task graph of ${j.name}`}
            tasks={(j.tasks ?? []).map((t) => ({
              key: t.task_key,
              dependsOn: (t.depends_on ?? []).map((d) => d.task_key),
              detail: [t.type, t.max_retries ? `retries ${t.max_retries}` : '', t.run_if && t.run_if !== 'ALL_SUCCESS' ? t.run_if : ''].filter(Boolean).join(' · '),
            }))}
          />
          <h2>Runs</h2>
          <JobRunsTable jobId={j.job_id} />
          <h2>Stage durations</h2>
          <StageDurations jobKey={j.job_key} />
          <RunNowDialog job={j} open={runNowOpen} onClose={() => setRunNowOpen(false)} />
        </>
      )}
    </section>
  );
}
