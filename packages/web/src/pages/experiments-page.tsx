import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import type { Experiment } from '@modelyard/sdk/client';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { formatTime } from '../lib/format.js';
import { filterLiteral, useQueryParam } from '../lib/search-params.js';
import { useAsync } from '../lib/use-async.js';
import { sdk } from '../sdk-client.js';

/**
 * Plain words search names (`name ILIKE '%words%'`); anything that looks like the filter grammar
 * (an operator or an attribute) is sent as it is, so `tags.team = 'fraud'` works too.
 */
export function experimentFilter(q: string): string | undefined {
  const text = q.trim();
  if (text === '') return undefined;
  if (/(=|<|>|\bI?LIKE\b|\bIN\b|^\s*(name|tags\.|tag\.|attributes?\.|creation_time|last_update_time))/i.test(text)) return text;
  return `name ILIKE ${filterLiteral(`%${text}%`)}`;
}

function searchExperiments(q: string, pageToken?: string) {
  const filter = experimentFilter(q);
  return sdk().tracking.searchExperiments({ ...(filter ? { filter } : {}), orderBy: ['last_update_time DESC'], maxResults: 200, ...(pageToken ? { pageToken } : {}) });
}

export function ExperimentsPage() {
  const [q, setQ] = useQueryParam('q');
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const [extra, setExtra] = useState<{ experiments: Experiment[]; token?: string; error?: Error; loading: boolean }>({ experiments: [], loading: false });

  const first = useAsync(
    async () => {
      setExtra({ experiments: [], loading: false });
      return searchExperiments(q);
    },
    [q],
  );

  const token = extra.token ?? (extra.experiments.length === 0 ? first.data?.nextPageToken : undefined);
  const loadMore = async () => {
    if (!token) return;
    setExtra((s) => ({ ...s, loading: true }));
    try {
      const page = await searchExperiments(q, token);
      setExtra((s) => ({ experiments: [...s.experiments, ...page.items], token: page.nextPageToken ?? '', loading: false }));
    } catch (e) {
      setExtra((s) => ({ ...s, loading: false, error: e instanceof Error ? e : new Error(String(e)) }));
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQ(draft.trim());
  };
  const rows = [...(first.data?.items ?? []), ...extra.experiments];

  return (
    <section className="page">
      <h1>Experiments</h1>
      <form className="search-form" role="search" onSubmit={submit}>
        <label htmlFor="experiment-search">Search experiments</label>
        <input
          id="experiment-search"
          type="search"
          value={draft}
          placeholder="name, or a filter such as tags.team = 'fraud'"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {first.error && <ErrorBanner title="Could not search experiments" error={first.error} onRetry={first.reload} />}
      {first.loading && !first.data && <Loading what="experiments" />}
      {first.data && (
        <>
          <table className="data-table experiments-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Created</th>
                <th scope="col">Last updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.experimentId}>
                  <td>
                    <Link to={`/experiments/${encodeURIComponent(e.experimentId)}`}>{e.name}</Link>
                  </td>
                  <td className="mono">{e.experimentId}</td>
                  <td>{formatTime(e.creationTime)}</td>
                  <td>{formatTime(e.lastUpdateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="muted">No experiments match{q ? ` “${q}”` : ''}.</p>}
          {extra.error && <ErrorBanner title="Could not load more experiments" error={extra.error} />}
          {token && (
            <button type="button" onClick={() => void loadMore()} disabled={extra.loading}>
              {extra.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
