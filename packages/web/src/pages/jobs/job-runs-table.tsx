import { useState } from 'react';
import { Link } from 'react-router';
import { isActiveRun } from '../../lib/job-states.js';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { usePolling } from '../../lib/use-polling.js';
import { StateBadge, jobLink, jobRunLink } from './job-links.js';

const PAGE = 25;

/**
 * Job runs, newest first, of one job or of all: `?active=1` keeps the queued and running ones,
 * `?before=<run id>` pages back. Refreshes every few seconds while any listed run is active.
 */
export function JobRunsTable({ jobId, jobNames }: { jobId?: number; jobNames?: ReadonlyMap<number, string> }) {
  const [active, setActive] = useQueryParam('active');
  const [before, setBefore] = useQueryParam('before');
  const [history, setHistory] = useState<string[]>([]);
  const runs = useAsync(
    () => sdk().jobs.listRuns({ ...(jobId !== undefined ? { jobId } : {}), activeOnly: active === '1', limit: PAGE, ...(before ? { pageToken: before } : {}) }),
    [jobId, active, before],
  );
  usePolling(runs.reload, 3000, (runs.data?.items ?? []).some((r) => isActiveRun(r.state)));
  const now = Date.now();

  return (
    <>
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={active === '1'} onChange={(e) => setActive(e.target.checked ? '1' : undefined, { replace: true })} />
          Active runs only
        </label>
        <button type="button" onClick={runs.reload}>
          Refresh
        </button>
      </div>
      {runs.error && <ErrorBanner title="Could not list job runs" error={runs.error} onRetry={runs.reload} />}
      {runs.loading && !runs.data && <Loading what="job runs" />}
      {runs.data && (
        <>
          <table className="data-table job-runs-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                {jobId === undefined && <th scope="col">Job</th>}
                <th scope="col">State</th>
                <th scope="col">Trigger</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Parameters</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.runId}>
                  <td>
                    <Link to={jobRunLink(r.runId)}>Run {r.runId}</Link>
                  </td>
                  {jobId === undefined && (
                    <td>
                      <Link to={jobLink(r.jobId)}>{jobNames?.get(r.jobId) ?? r.jobKey ?? r.jobId}</Link>
                    </td>
                  )}
                  <td>
                    <StateBadge state={r.state} />
                    {r.repairCount ? <span className="muted"> repaired ×{r.repairCount}</span> : null}
                  </td>
                  <td>
                    {r.trigger ?? ''}
                    {r.actor ? <span className="muted"> by {r.actor}</span> : null}
                  </td>
                  <td>{formatTime(r.startTime ?? r.queuedTime)}</td>
                  <td>{formatDuration(runDuration(r.startTime, r.endTime, now))}</td>
                  <td className="mono">{Object.entries(r.parameters).map(([name, value]) => `${name}=${value}`).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {runs.data.items.length === 0 && <p className="muted">No runs{active === '1' ? ' are active' : ' yet'}.</p>}
          <div className="toolbar">
            {before && (
              <button
                type="button"
                onClick={() => {
                  const prev = history[history.length - 1];
                  setHistory((h) => h.slice(0, -1));
                  setBefore(prev);
                }}
              >
                Newer runs
              </button>
            )}
            {runs.data.nextPageToken && (
              <button
                type="button"
                onClick={() => {
                  setHistory((h) => [...h, before]);
                  setBefore(runs.data!.nextPageToken);
                }}
              >
                Older runs
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}
