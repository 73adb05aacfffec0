import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { jobRunLink } from '../jobs/job-links.js';

export function traceLink(traceId: string): string {
  return `/traces/${encodeURIComponent(traceId)}`;
}

/**
 * A trace's status badge says what its root span says (OK green, ERROR red, none yet: in
 * progress); spans that failed inside it get their own red badge. A run whose retried task
 * failed once ends OK: it shows "OK" and "1 span with errors", never a red "OK".
 */
export function TraceStatus({ status, errorCount }: { status: string | undefined; errorCount: number }) {
  const cls = status === 'ERROR' ? 'state-failed' : status === 'OK' ? 'state-success' : status ? 'state-inactive' : 'state-running';
  return (
    <span className="trace-status">
      <span className={`status ${cls}`} data-status={status ?? 'IN_PROGRESS'}>
        {status ?? 'in progress'}
      </span>
      {errorCount > 0 && (
        <span className="status state-failed" data-errors={errorCount}>
          {errorCount === 1 ? '1 span with errors' : `${errorCount.toLocaleString()} spans with errors`}
        </span>
      )}
    </span>
  );
}

/** `/traces?job_run_id=&run_id=&job=`: recent traces, or those of one job run, MLflow run or job. */
export function TracesPage() {
  const [jobRunId, setJobRunId] = useQueryParam('job_run_id');
  const [runId, setRunId] = useQueryParam('run_id');
  const [job, setJob] = useQueryParam('job');
  const [draft, setDraft] = useState({ jobRunId, runId, job });
  useEffect(() => setDraft({ jobRunId, runId, job }), [jobRunId, runId, job]);
  const traces = useAsync(
    () => sdk().traces.listTraces({ ...(jobRunId ? { jobRunId: Number(jobRunId) } : {}), ...(runId ? { runId } : {}), ...(job ? { job } : {}), limit: 100 }),
    [jobRunId, runId, job],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The API takes one selector at a time; the first filled box wins.
    const pick = draft.jobRunId.trim() ? 'jobRunId' : draft.runId.trim() ? 'runId' : draft.job.trim() ? 'job' : undefined;
    setJobRunId(pick === 'jobRunId' ? draft.jobRunId.trim() : undefined);
    setRunId(pick === 'runId' ? draft.runId.trim() : undefined);
    setJob(pick === 'job' ? draft.job.trim() : undefined);
  };

  return (
    <section className="page">
      <h1>Traces</h1>
      <form className="search-form" onSubmit={submit} aria-label="Find traces">
        <label htmlFor="trace-job-run">Job run</label>
        <input id="trace-job-run" inputMode="numeric" value={draft.jobRunId} onChange={(e) => setDraft((d) => ({ ...d, jobRunId: e.target.value }))} style={{ flex: '0 1 8rem' }} />
        <label htmlFor="trace-run">MLflow run</label>
        <input id="trace-run" value={draft.runId} onChange={(e) => setDraft((d) => ({ ...d, runId: e.target.value }))} style={{ flex: '0 1 18rem' }} />
        <label htmlFor="trace-job">Job key</label>
        <input id="trace-job" value={draft.job} onChange={(e) => setDraft((d) => ({ ...d, job: e.target.value }))} style={{ flex: '0 1 10rem' }} />
        <button type="submit">Find</button>
      </form>
      {traces.error && <ErrorBanner title="Could not list traces" error={traces.error} onRetry={traces.reload} />}
      {traces.loading && !traces.data && <Loading what="traces" />}
      {traces.data && (
        <>
          <table className="data-table traces-table">
            <thead>
              <tr>
                <th scope="col">Trace</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col" className="num">
                  Spans
                </th>
                <th scope="col">Job run</th>
                <th scope="col">MLflow run</th>
              </tr>
            </thead>
            <tbody>
              {traces.data.map((t) => (
                <tr key={t.traceId}>
                  <td>
                    <Link to={traceLink(t.traceId)}>{t.name ?? t.traceId}</Link>
                    <div className="muted mono">{t.traceId}</div>
                  </td>
                  <td>
                    <TraceStatus status={t.status} errorCount={t.errorCount} />
                  </td>
                  <td>{formatTime(t.startTimeUs / 1000)}</td>
                  <td className="num">{formatDuration(t.durationUs / 1000)}</td>
                  <td className="num">{t.spanCount}</td>
                  <td>{t.jobRunId !== undefined ? <Link to={jobRunLink(t.jobRunId)}>{`${t.jobKey ?? 'run'} #${t.jobRunId}`}</Link> : '—'}</td>
                  <td>{t.runId ? <Link to={`/runs/${encodeURIComponent(t.runId)}`} className="mono">{t.runId.slice(0, 12)}</Link> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {traces.data.length === 0 && <p className="muted">No traces stored{jobRunId || runId || job ? ' for this selection' : ''}.</p>}
        </>
      )}
    </section>
  );
}
