import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { MlflowApiError } from '@modelyard/sdk/client';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import type { DataColumn } from '../../lib/run-columns.js';
import { availableKeys, columnId, parseColumn } from '../../lib/run-columns.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { ColumnPicker } from './column-picker.js';
import { RunsTable } from './runs-table.js';
import type { SortState } from './runs-table.js';
import { useRunPages } from './use-run-pages.js';

const DEFAULT_SORT: SortState = { key: 'attributes.start_time', ascending: false };
/** The server compares at most this many runs in one bulk metric request. */
export const MAX_COMPARE = 100;
const NO_COLUMNS = '-';

function parseSort(s: string): SortState {
  const m = /^(.*?)\s+(ASC|DESC)$/i.exec(s.trim());
  if (!m) return s.trim() ? { key: s.trim(), ascending: true } : DEFAULT_SORT;
  return { key: m[1]!, ascending: m[2]!.toUpperCase() === 'ASC' };
}

export function RunsPage() {
  const { experimentId = '' } = useParams();
  const navigate = useNavigate();
  const [filter, setFilter] = useQueryParam('filter');
  const [order, setOrder] = useQueryParam('order');
  const [cols, setCols] = useQueryParam('cols');
  const [draft, setDraft] = useState(filter);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  useEffect(() => setDraft(filter), [filter]);

  const experiment = useAsync(() => sdk().tracking.getExperiment(experimentId), [experimentId]);
  const sort = parseSort(order);
  const orderBy = useMemo(() => {
    const main = `${sort.key} ${sort.ascending ? 'ASC' : 'DESC'}`;
    // A stable tie-breaker keeps page boundaries deterministic when many runs share a value.
    return sort.key === DEFAULT_SORT.key ? [main] : [main, 'attributes.start_time DESC'];
  }, [sort.key, sort.ascending]);
  const pages = useRunPages(experimentId, filter, orderBy);

  // Column choices come from the first page: enough to see the keys an experiment logs, without
  // rescanning ten thousand runs on every page.
  const firstPage = pages.runs.length > 0 ? pages.runs[0]!.info.runId : '';
  const available = useMemo(() => availableKeys(pages.runs.slice(0, 200)), [firstPage]); // eslint-disable-line react-hooks/exhaustive-deps
  const columns: DataColumn[] = useMemo(() => {
    if (cols === NO_COLUMNS) return [];
    if (cols) return cols.split(',').map(parseColumn).filter((c): c is DataColumn => c !== undefined);
    return [
      ...available.metrics.slice(0, 5).map((key) => ({ kind: 'metrics' as const, key })),
      ...available.params.slice(0, 3).map((key) => ({ kind: 'params' as const, key })),
    ];
  }, [cols, available]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSelected(new Set());
    setFilter(draft.trim());
  };
  const onToggle = useCallback((id: string) => {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const onToggleAll = useCallback(() => {
    setSelected((prev) => (prev.size > 0 ? new Set() : new Set(pages.runs.slice(0, MAX_COMPARE).map((r) => r.info.runId))));
  }, [pages.runs]);

  const filterRejected = pages.error instanceof MlflowApiError && pages.error.httpStatus === 400;
  const compare = () => {
    const ids = [...selected].slice(0, MAX_COMPARE);
    navigate(`/compare?experiment=${encodeURIComponent(experimentId)}&runs=${ids.map(encodeURIComponent).join(',')}`);
  };

  return (
    <section className="page runs-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/experiments">Experiments</Link> / <span>{experiment.data?.name ?? experimentId}</span>
      </nav>
      <h1>{experiment.data?.name ?? `Experiment ${experimentId}`}</h1>
      {experiment.error && <ErrorBanner title="Could not load the experiment" error={experiment.error} onRetry={experiment.reload} />}

      <form className="search-form" role="search" onSubmit={submit}>
        <label htmlFor="run-filter">Filter runs</label>
        <input
          id="run-filter"
          type="search"
          className="mono"
          value={draft}
          spellCheck={false}
          placeholder="metrics.roc_auc > 0.8 and params.model = 'rf'"
          aria-invalid={filterRejected}
          aria-describedby={filterRejected ? 'run-filter-error' : undefined}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        {filter && (
          <button type="button" onClick={() => setFilter(undefined)}>
            Clear
          </button>
        )}
      </form>
      {pages.error && (
        <div id="run-filter-error">
          <ErrorBanner title={filterRejected ? 'The server rejected this search' : 'Could not load runs'} error={pages.error} {...(filterRejected ? {} : { onRetry: pages.reload })} />
        </div>
      )}

      <div className="toolbar">
        <ColumnPicker available={available} chosen={columns} onChange={(c) => setCols(c.length === 0 ? NO_COLUMNS : c.map(columnId).join(','), { replace: true })} />
        <span className="muted" role="status" aria-live="polite">
          {pages.runs.length.toLocaleString()} run{pages.runs.length === 1 ? '' : 's'} loaded{pages.hasMore ? ', more on scroll' : ''}
          {selected.size > 0 ? ` · ${selected.size} selected` : ''}
        </span>
        <button type="button" disabled={selected.size < 1} onClick={compare} title={selected.size > MAX_COMPARE ? `The first ${MAX_COMPARE} are compared` : undefined}>
          Compare selected ({Math.min(selected.size, MAX_COMPARE)})
        </button>
      </div>

      {pages.loading && pages.runs.length === 0 && !pages.error && <Loading what="runs" />}
      {!pages.loading && !pages.error && pages.runs.length === 0 && <p className="muted">No runs{filter ? ' match this filter' : ' in this experiment yet'}.</p>}
      {pages.runs.length > 0 && (
        <RunsTable
          experimentId={experimentId}
          runs={pages.runs}
          columns={columns}
          sort={sort}
          onSort={(s) => setOrder(`${s.key} ${s.ascending ? 'ASC' : 'DESC'}`)}
          selected={selected}
          onToggle={onToggle}
          onToggleAll={onToggleAll}
          hasMore={pages.hasMore}
          loadingMore={pages.loading}
          onNeedMore={pages.loadMore}
        />
      )}
    </section>
  );
}
