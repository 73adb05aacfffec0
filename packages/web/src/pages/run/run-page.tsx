import { Link, NavLink, useParams } from 'react-router';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { runDisplayName } from '../../lib/run-columns.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { ArtifactBrowser } from './artifact-browser.js';
import { RunMetrics } from './run-metrics.js';
import { RunOverview } from './run-overview.js';
import { RunParams } from './run-params.js';
import { RunTags } from './run-tags.js';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'params', label: 'Parameters' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'tags', label: 'Tags' },
  { id: 'artifacts', label: 'Artifacts' },
] as const;

export function RunPage() {
  const { experimentId = '', runId = '', tab = 'overview' } = useParams();
  const run = useAsync(() => sdk().tracking.getRun(runId), [runId]);
  const experiment = useAsync(() => sdk().tracking.getExperiment(experimentId), [experimentId]);
  const base = `/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;

  return (
    <section className="page run-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/experiments">Experiments</Link> / <Link to={`/experiments/${encodeURIComponent(experimentId)}`}>{experiment.data?.name ?? experimentId}</Link> /{' '}
        <span>{run.data ? runDisplayName(run.data) : runId}</span>
      </nav>
      <h1>
        {run.data ? runDisplayName(run.data) : `Run ${runId}`}
        {run.data?.info.status && <span className={`status status-${run.data.info.status.toLowerCase()}`}>{run.data.info.status}</span>}
      </h1>
      <nav aria-label="Run sections" className="tabs">
        {TABS.map((t) => (
          <NavLink key={t.id} to={t.id === 'overview' ? base : `${base}/${t.id}`} end className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
            {t.label}
          </NavLink>
        ))}
      </nav>
      {run.error && <ErrorBanner title="Could not load the run" error={run.error} onRetry={run.reload} />}
      {run.loading && !run.data && <Loading what="the run" />}
      {run.data && (
        <div className="tab-panel">
          {tab === 'overview' && <RunOverview run={run.data} />}
          {tab === 'params' && <RunParams run={run.data} />}
          {tab === 'metrics' && <RunMetrics run={run.data} />}
          {tab === 'tags' && <RunTags run={run.data} onChanged={run.reload} />}
          {tab === 'artifacts' && <ArtifactBrowser run={run.data} />}
          {!TABS.some((t) => t.id === tab) && <p>There is no “{tab}” section; pick one above.</p>}
        </div>
      )}
    </section>
  );
}
