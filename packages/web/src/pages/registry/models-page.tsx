import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { searchModels } from '../../api/registry.js';
import type { RegisteredModel } from '../../api/registry.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { modelFilter, modelLink, versionLink } from './registry-links.js';
import { StageBadge } from './stage-badge.js';

function LatestVersions({ model }: { model: RegisteredModel }) {
  const latest = model.latest_versions ?? [];
  if (latest.length === 0) return <span className="muted">no versions</span>;
  return (
    <ul className="plain-list stage-list">
      {latest.map((v) => (
        <li key={`${v.current_stage}-${v.version}`}>
          <StageBadge stage={v.current_stage} /> <Link to={versionLink(model.name, v.version)}>Version {v.version}</Link>
        </li>
      ))}
    </ul>
  );
}

function Aliases({ model }: { model: RegisteredModel }) {
  const aliases = model.aliases ?? [];
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain-list">
      {aliases.map((a) => (
        <li key={a.alias}>
          <span className="alias-chip">@{a.alias}</span> → <Link to={versionLink(model.name, a.version)}>Version {a.version}</Link>
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
    async (signal) => {
      setMore({ models: [], loading: false });
      const filter = modelFilter(q);
      return searchModels({ ...(filter ? { filter } : {}) }, signal);
    },
    [q],
  );
  const token = more.token ?? (more.models.length === 0 ? first.data?.nextPageToken : undefined);
  const loadMore = async () => {
    if (!token) return;
    setMore((s) => ({ ...s, loading: true }));
    try {
      const filter = modelFilter(q);
      const page = await searchModels({ ...(filter ? { filter } : {}), pageToken: token });
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
                  <td>{formatTime(m.last_updated_timestamp)}</td>
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
