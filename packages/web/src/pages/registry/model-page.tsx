import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { filterLiteral, useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { RegistryHistory } from './registry-history.js';
import { versionLink } from './registry-links.js';
import { modelHistory, searchAllVersions } from './registry-queries.js';
import { AliasChips, StageBadge } from './stage-badge.js';
import { ActionsHeader } from '../../components/actions-header.js';

/** `/models/:name?stage=`: a model's aliases, versions (optionally one stage) and audit trail. */
export function ModelPage() {
  const { name = '' } = useParams();
  const [stageFilter, setStageFilter] = useQueryParam('stage');
  const model = useAsync(() => sdk().registry.getRegisteredModel(name), [name]);
  const versions = useAsync(() => searchAllVersions(`name = ${filterLiteral(name)}`), [name]);
  const events = useAsync(() => modelHistory(name), [name]);
  const [removing, setRemoving] = useState<string | undefined>();
  const m = model.data;
  const shown = (versions.data ?? []).filter((v) => !stageFilter || v.currentStage === stageFilter);

  return (
    <section className="page model-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/models">Models</Link> / <span>{name}</span>
      </nav>
      <h1>{name}</h1>
      {model.error && <ErrorBanner title="Could not load the model" error={model.error} onRetry={model.reload} />}
      {model.loading && !m && <Loading what="the model" />}
      {m && (
        <>
          {m.description && <p className="run-note">{m.description}</p>}
          <dl className="facts">
            <dt>Created</dt>
            <dd>{formatTime(m.creationTimestamp)}</dd>
            <dt>Last updated</dt>
            <dd>{formatTime(m.lastUpdatedTimestamp)}</dd>
            <dt>Tags</dt>
            <dd>{Object.keys(m.tags).length === 0 ? '—' : Object.entries(m.tags).map(([key, value]) => <div key={key} className="mono">{`${key} = ${value}`}</div>)}</dd>
          </dl>
          <h2>Aliases</h2>
          {Object.keys(m.aliases).length === 0 ? (
            <p className="muted">No aliases. Set one from a version’s page.</p>
          ) : (
            <table className="data-table aliases-table">
              <thead>
                <tr>
                  <th scope="col">Alias</th>
                  <th scope="col">Version</th>
                  <ActionsHeader />
                </tr>
              </thead>
              <tbody>
                {Object.entries(m.aliases).map(([alias, version]) => (
                  <tr key={alias}>
                    <td>
                      <span className="alias-chip">@{alias}</span>
                    </td>
                    <td>
                      <Link to={versionLink(name, version)}>Version {version}</Link>
                    </td>
                    <td className="actions">
                      <button type="button" className="danger" onClick={() => setRemoving(alias)} aria-label={`Remove alias ${alias}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}

      <h2>Versions</h2>
      <div className="toolbar">
        <label className="inline-field">
          Stage
          <select value={stageFilter} onChange={(e) => setStageFilter(e.target.value, { replace: true })}>
            <option value="">All</option>
            {['None', 'Staging', 'Production', 'Archived'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {versions.error && <ErrorBanner title="Could not list versions" error={versions.error} onRetry={versions.reload} />}
      {versions.loading && !versions.data && <Loading what="versions" />}
      {versions.data && (
        <div className="table-scroll">
          <table className="data-table versions-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Stage</th>
                <th scope="col">Aliases</th>
                <th scope="col">Source run</th>
                <th scope="col">Status</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((v) => (
                <tr key={v.version}>
                  <td>
                    <Link to={versionLink(name, v.version)}>Version {v.version}</Link>
                  </td>
                  <td>
                    <StageBadge stage={v.currentStage} />
                  </td>
                  <td>
                    <AliasChips aliases={v.aliases} />
                  </td>
                  <td>{v.runId ? <Link to={`/runs/${encodeURIComponent(v.runId)}`} className="mono">{v.runId.slice(0, 12)}</Link> : <span className="muted">—</span>}</td>
                  <td>{v.status}</td>
                  <td>{formatTime(v.creationTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p className="muted">No versions{stageFilter ? ` in ${stageFilter}` : ''}.</p>}
        </div>
      )}

      <h2>History</h2>
      {events.error && <ErrorBanner title="Could not load the history" error={events.error} onRetry={events.reload} />}
      {events.data && <RegistryHistory events={events.data} showVersion />}

      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove alias @${removing ?? ''}?`}
        confirmLabel="Remove alias"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (removing === undefined) return;
          await sdk().registry.deleteAlias(name, removing);
          model.reload();
          versions.reload();
          events.reload();
        }}
      >
        <p>
          Anything that loads <code>{`models:/${name}@${removing ?? ''}`}</code> (serving endpoints, pipelines) stops resolving until the alias is set again.
        </p>
      </ConfirmDialog>
    </section>
  );
}
