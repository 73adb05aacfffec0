import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import type { RegisteredModel } from '@modelyard/sdk/client';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { modelFilter, modelLink, versionLink } from './registry-links.js';
import { StageBadge } from './stage-badge.js';

function searchModels(q: string, pageToken?: string) {
  const filter = modelFilter(q);
  return sdk().registry.searchRegisteredModels({ ...(filter ? { filter } : {}), orderBy: ['name ASC'], maxResults: 100, ...(pageToken ? { pageToken } : {}) });
}

function LatestVersions({ model }: { model: RegisteredModel }) {
  const latest = model.latestVersions;
  if (latest.length === 0) return <span className="muted">no versions</span>;
  return (
    <ul className="plain-list stage-list">
      {latest.map((v) => (
        <li key={`${v.currentStage}-${v.version}`}>
          <StageBadge stage={v.currentStage} /> <Link to={versionLink(model.name, v.version)}>Version {v.version}</Link>
        </li>
      ))}
    </ul>
  );
}

function Aliases({ model }: { model: RegisteredModel }) {
  const aliases = Object.entries(model.aliases);
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain-list">
      {aliases.map(([alias, version]) => (
        <li key={alias}>
          <span className="alias-chip">@{alias}</span> → <Link to={versionLink(model.name, version)}>Version {version}</Link>
        </li>
      ))}
    </ul>
  );
}

export function ModelsPage() {
  const [q, setQ] = useQueryParam('q');
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const [more, setMore] = useState<{ models: RegisteredModel[]; token?: string; error?: Error; loading: boolean }>({ models: [], loading: false });

  const first = useAsync(
    async () => {
      setMore({ models: [], loading: false });
      return searchModels(q);
    },
    [q],
  );
  const token = more.token ?? (more.models.length === 0 ? first.data?.nextPageToken : undefined);
  const loadMore = async () => {
    if (!token) return;
    setMore((s) => ({ ...s, loading: true }));
    try {
      const page = await searchModels(q, token);
      setMore((s) => ({ models: [...s.models, ...page.items], token: page.nextPageToken ?? '', loading: false }));
    } catch (e) {
      setMore((s) => ({ ...s, loading: false, error: e instanceof Error ? e : new Error(String(e)) }));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQ(draft.trim());
  };
  const rows = [...(first.data?.items ?? []), ...more.models];

  return (
    <section className="page">
      <h1>Registered models</h1>
      <form className="search-form" role="search" onSubmit={submit}>
        <label htmlFor="model-search">Search models</label>
        <input
          id="model-search"
          type="search"
          value={draft}
          placeholder="name, or a filter such as tags.team = 'fraud'"
          aria-invalid={first.error ? 'true' : undefined}
          aria-describedby={first.error ? 'model-search-error' : undefined}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <div id="model-search-error">{first.error && <ErrorBanner title="Could not search models" error={first.error} onRetry={first.reload} />}</div>
      {first.loading && !first.data && <Loading what="models" />}
      {first.data && (
        <>
          <table className="data-table models-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Latest versions</th>
                <th scope="col">Aliases</th>
                <th scope="col">Last updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.name}>
                  <td>
                    <Link to={modelLink(m.name)}>{m.name}</Link>
                    {m.description && <div className="muted">{m.description}</div>}
                  </td>
                  <td>
                    <LatestVersions model={m} />
                  </td>
                  <td>
                    <Aliases model={m} />
                  </td>
                  <td>{formatTime(m.lastUpdatedTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="muted">No registered models match{q ? ` “${q}”` : ''}.</p>}
          {more.error && <ErrorBanner title="Could not load more models" error={more.error} />}
          {token && (
            <button type="button" onClick={() => void loadMore()} disabled={more.loading}>
              {more.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
