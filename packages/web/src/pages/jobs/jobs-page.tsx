import { useState } from 'react';
import { Link } from 'react-router';
import type { Job } from '@modelyard/sdk/client';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { jobLink } from './job-links.js';
import { JobRunsTable } from './job-runs-table.js';
import { RunNowDialog } from './run-now-dialog.js';
import { ActionsHeader } from '../../components/actions-header.js';

function schedule(job: Job): string {
  const s = job.schedule;
  if (!s) return '—';
  const expr = s.quartzCronExpression ?? s.cron ?? '';
  return `${expr}${s.timezoneId ? ` (${s.timezoneId})` : ''}${s.pauseStatus === 'PAUSED' ? ' · paused' : ''}`;
}

/** `/jobs`: the deployed job definitions and the latest runs of all of them. */
export function JobsPage() {
  const jobs = useAsync(() => sdk().jobs.listJobs(), []);
  const [running, setRunning] = useState<Job | undefined>();

  return (
    <section className="page">
      <h1>Jobs</h1>
      {jobs.error && <ErrorBanner title="Could not list jobs" error={jobs.error} onRetry={jobs.reload} />}
      {jobs.loading && !jobs.data && <Loading what="jobs" />}
      {jobs.data && jobs.data.length === 0 && (
        <p className="muted">
          No jobs are deployed. Describe them in <code>modelyard.yaml</code> and run <code>modelyard jobs deploy</code>.
        </p>
      )}
      {jobs.data && jobs.data.length > 0 && (
        <table className="data-table jobs-table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Project</th>
              <th scope="col" className="num">
                Tasks
              </th>
              <th scope="col">Schedule</th>
              <th scope="col">Updated</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((j) => (
              <tr key={j.jobId}>
                <td>
                  <Link to={jobLink(j.jobId)}>{j.name}</Link>
                </td>
                <td>
                  {j.project}
                  {j.target ? <span className="muted"> ({j.target})</span> : null}
                </td>
                <td className="num">{j.tasks.length}</td>
                <td className="mono">{schedule(j)}</td>
                <td>{formatTime(j.updatedTime)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setRunning(j)} aria-label={`Run ${j.name} now`}>
                    Run now…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Recent runs</h2>
      <JobRunsTable jobNames={new Map((jobs.data ?? []).map((j) => [j.jobId, j.name]))} />
      <RunNowDialog job={running} open={running !== undefined} onClose={() => setRunning(undefined)} />
    </section>
  );
}
