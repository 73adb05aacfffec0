import { Link, useParams } from 'react-router';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { RegistryHistory } from './registry-history.js';
import { modelLink } from './registry-links.js';
import { modelHistory } from './registry-queries.js';
import { AliasChips, StageBadge } from './stage-badge.js';
import { VersionActions } from './version-actions.js';
import { VersionSignature } from './version-signature.js';
import { VersionTags } from './version-tags.js';

/** `/models/:name/versions/:version`: one version, its lineage, signature, tags, actions and history. */
export function VersionPage() {
  const { name = '', version = '' } = useParams();
  const mv = useAsync(() => sdk().registry.getModelVersion(name, version), [name, version]);
  const model = useAsync(() => sdk().registry.getRegisteredModel(name), [name]);
  const requests = useAsync(() => sdk().registryGovernance.listTransitionRequests(name, version), [name, version]);
  const events = useAsync(() => modelHistory(name, version), [name, version]);
  const reloadAll = () => {
    mv.reload();
    model.reload();
    requests.reload();
    events.reload();
  };
  const v = mv.data;

  return (
    <section className="page version-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/models">Models</Link> / <Link to={modelLink(name)}>{name}</Link> / <span>Version {version}</span>
      </nav>
      <h1>
        {name} · version {version}
        {v && <StageBadge stage={v.currentStage} />}
        {v && <AliasChips aliases={v.aliases} />}
      </h1>
      {mv.error && <ErrorBanner title="Could not load the model version" error={mv.error} onRetry={mv.reload} />}
      {mv.loading && !v && <Loading what="the model version" />}
      {v && (
        <>
          {v.description && <p className="run-note">{v.description}</p>}
          <dl className="facts version-facts">
            <dt>Stage</dt>
            <dd>
              <StageBadge stage={v.currentStage} />
            </dd>
            <dt>Aliases</dt>
            <dd>{v.aliases.length > 0 ? <AliasChips aliases={v.aliases} /> : '—'}</dd>
            <dt>Status</dt>
            <dd>
              {v.status || '—'}
              {v.statusMessage ? <span className="muted"> — {v.statusMessage}</span> : null}
            </dd>
            <dt>Registered</dt>
            <dd>
              {formatTime(v.creationTimestamp)}
              {v.userId ? ` by ${v.userId}` : ''}
            </dd>
            <dt>Last updated</dt>
            <dd>{formatTime(v.lastUpdatedTimestamp)}</dd>
            <dt>Source run</dt>
            <dd>{v.runId ? <Link to={`/runs/${encodeURIComponent(v.runId)}`}>{v.runId}</Link> : '—'}</dd>
            <dt>Source</dt>
            <dd className="mono wrap">{v.source || '—'}</dd>
            {v.modelId && (
              <>
                <dt>Logged model</dt>
                <dd className="mono">{v.modelId}</dd>
              </>
            )}
          </dl>
          <VersionActions model={model.data} version={v} requests={requests.data ?? []} onChanged={reloadAll} />
          {requests.error && <ErrorBanner title="Could not list transition requests" error={requests.error} onRetry={requests.reload} />}
          <h2>Signature</h2>
          <VersionSignature version={v} />
          <h2>Tags</h2>
          <VersionTags version={v} onChanged={reloadAll} />
        </>
      )}
      <h2>History</h2>
      {events.error && <ErrorBanner title="Could not load the history" error={events.error} onRetry={events.reload} />}
      {events.data && <RegistryHistory events={events.data} showVersion={false} />}
    </section>
  );
}
