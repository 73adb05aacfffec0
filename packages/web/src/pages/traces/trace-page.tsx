import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatDuration, formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { spanRows } from '../../lib/span-tree.js';
import { useAsync } from '../../lib/use-async.js';
import { jobRunLink } from '../jobs/job-links.js';
import { SpanDetails } from './span-details.js';
import { Waterfall } from './waterfall.js';

/** `/traces/:traceId?span=`: a trace's waterfall and the chosen span's attributes and exceptions. */
export function TracePage() {
  const { traceId = '' } = useParams();
  const [spanId, setSpanId] = useQueryParam('span');
  const trace = useAsync(() => sdk().traces.getTrace(traceId), [traceId]);
  const rows = useMemo(() => spanRows(trace.data ?? []), [trace.data]);
  const root = rows[0]?.span;
  const selected = rows.find((r) => r.span.spanId === spanId)?.span ?? root;
  const jobRunId = root?.attributes['modelyard.job_run_id'];
  const start = rows.length ? Math.min(...rows.map((r) => r.span.startTimeUs)) : 0;
  const end = rows.length ? Math.max(...rows.map((r) => r.span.endTimeUs)) : 0;

  return (
    <section className="page trace-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/traces">Traces</Link> / <span className="mono">{traceId}</span>
      </nav>
      <h1>{root?.name ?? `Trace ${traceId}`}</h1>
      {trace.error && <ErrorBanner title="Could not load the trace" error={trace.error} onRetry={trace.reload} />}
      {trace.loading && !trace.data && <Loading what="the trace" />}
      {trace.data && (
        <>
          <dl className="facts">
            <dt>Trace ID</dt>
            <dd className="mono">{traceId}</dd>
            <dt>Started</dt>
            <dd>{formatTime(start / 1000)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration((end - start) / 1000)}</dd>
            <dt>Spans</dt>
            <dd>{rows.length}</dd>
            {jobRunId !== undefined && (
              <>
                <dt>Job run</dt>
                <dd>
                  <Link to={jobRunLink(String(jobRunId))}>Run {String(jobRunId)}</Link>
                </dd>
              </>
            )}
          </dl>
          <div className="trace-layout">
            <Waterfall rows={rows} {...(selected ? { selected: selected.spanId } : {})} onSelect={(id) => setSpanId(id, { replace: true })} />
            {selected && <SpanDetails span={selected} />}
          </div>
        </>
      )}
    </section>
  );
}
