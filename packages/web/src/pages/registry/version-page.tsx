import { Link, useParams } from 'react-router';
import { getModel, getVersion, listEvents, listTransitionRequests } from '../../api/registry.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { RegistryHistory } from './registry-history.js';
import { modelLink } from './registry-links.js';
import { AliasChips, StageBadge } from './stage-badge.js';
import { VersionActions } from './version-actions.js';
import { VersionSignature } from './version-signature.js';
import { VersionTags } from './version-tags.js';

/** `/models/:name/versions/:version`: one version, its lineage, signature, tags, actions and history. */
export function VersionPage() {
  const { name = '', version = '' } = useParams();
  const mv = useAsync((signal) => getVersion(name, version, signal), [name, version]);
  const model = useAsync((signal) => getModel(name, signal), [name]);
  const requests = useAsync((signal) => listTransitionRequests(name, version, signal), [name, version]);
  const events = useAsync((signal) => listEvents(name, version, signal), [name, version]);
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
        {v && <StageBadge stage={v.current_stage} />}
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
              <StageBadge stage={v.current_stage} />
            </dd>
            <dt>Aliases</dt>
            <dd>{v.aliases && v.aliases.length > 0 ? <AliasChips aliases={v.aliases} /> : '—'}</dd>
            <dt>Status</dt>
            <dd>
              {v.status ?? '—'}
              {v.status_message ? <span className="muted"> — {v.status_message}</span> : null}
            </dd>
            <dt>Registered</dt>
            <dd>
              {formatTime(v.creation_timestamp)}
              {v.user_id ? ` by ${v.user_id}` : ''}
            </dd>
            <dt>Last updated</dt>
            <dd>{formatTime(v.last_updated_timestamp)}</dd>
            <dt>Source run</dt>
            <dd>{v.run_id ? <Link to={`/runs/${encodeURIComponent(v.run_id)}`}>{v.run_id}</Link> : '—'}</dd>
            <dt>Source</dt>
            <dd className="mono wrap">{v.source ?? '—'}</dd>
            {v.model_id && (
              <>
                <dt>Logged model</dt>
                <dd className="mono">{v.model_id}</dd>
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
