import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'react-router';
import type { Run } from '@modelyard/sdk/client';
import { formatDuration, formatNumber, formatTime, runDuration } from '../../lib/format.js';
import type { DataColumn } from '../../lib/run-columns.js';
import { columnId, columnValue, runDisplayName, searchIdentifier } from '../../lib/run-columns.js';

export interface SortState {
  /** An order_by identifier, e.g. `metrics.roc_auc` or `attributes.start_time`. */
  key: string;
  ascending: boolean;
}

interface FixedColumn {
  title: string;
  /** order_by identifier; undefined when the server cannot sort on it. */
  sortKey?: string;
  width: string;
}

const FIXED: FixedColumn[] = [
  { title: 'Run', sortKey: 'attributes.run_name', width: 'minmax(12rem, 2fr)' },
  { title: 'Created', sortKey: 'attributes.start_time', width: '12.5rem' },
  { title: 'Duration', width: '7rem' },
  { title: 'Status', sortKey: 'attributes.status', width: '6.5rem' },
  { title: 'User', sortKey: 'attributes.user_id', width: '8rem' },
];

const ROW_HEIGHT = 34;
/** Start fetching the next page while this many loaded rows are still below the viewport. */
const PREFETCH_ROWS = 300;

export interface RunsTableProps {
  experimentId: string;
  runs: Run[];
  columns: DataColumn[];
  sort: SortState;
  onSort(next: SortState): void;
  selected: ReadonlySet<string>;
  onToggle(runId: string): void;
  onToggleAll(): void;
  hasMore: boolean;
  loadingMore: boolean;
  onNeedMore(): void;
}

function SortButton({ title, sortKey, sort, onSort }: { title: string; sortKey: string; sort: SortState; onSort(s: SortState): void }) {
  const active = sort.key === sortKey;
  return (
    <button
      type="button"
      className="sort-button"
      aria-label={`Sort by ${title}`}
      onClick={() => onSort({ key: sortKey, ascending: active ? !sort.ascending : false })}
    >
      {title}
      <span aria-hidden="true">{active ? (sort.ascending ? ' ▲' : ' ▼') : ''}</span>
    </button>
  );
}

/**
 * The runs of an experiment as a virtual list: only the rows in view (plus a margin) are in the
 * DOM, so 10,000 loaded runs scroll like 50. Rows are a CSS grid sharing one column template.
 */
export function RunsTable(p: RunsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const firstRowMarked = useRef(false);
  const virtualizer = useVirtualizer({
    count: p.runs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : 0;

  useEffect(() => {
    if (p.hasMore && !p.loadingMore && p.runs.length - lastIndex < PREFETCH_ROWS) p.onNeedMore();
  }, [lastIndex, p.hasMore, p.loadingMore, p.runs.length, p.onNeedMore]);

  useEffect(() => {
    if (firstRowMarked.current || p.runs.length === 0) return;
    firstRowMarked.current = true;
    // After the browser has painted the rows: what bench/ui measures as "first rendered row".
    requestAnimationFrame(() => setTimeout(() => performance.mark('runs-table-first-row'), 0));
  }, [p.runs.length]);

  const template = ['2.75rem', ...FIXED.map((c) => c.width), ...p.columns.map(() => 'minmax(7.5rem, 1fr)')].join(' ');
  const allSelected = p.runs.length > 0 && p.runs.every((r) => p.selected.has(r.info.runId));
  const now = Date.now();

  return (
    <div className="runs-table" role="table" aria-label="Runs" aria-rowcount={p.runs.length + 1}>
      <div ref={scrollRef} className="runs-scroll">
        <div className="runs-row runs-header" role="row" style={{ gridTemplateColumns: template }}>
          <div role="columnheader" className="cell">
            <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={p.onToggleAll} />
          </div>
          {FIXED.map((c) => (
            <div role="columnheader" className="cell" key={c.title} aria-sort={c.sortKey && p.sort.key === c.sortKey ? (p.sort.ascending ? 'ascending' : 'descending') : undefined}>
              {c.sortKey ? <SortButton title={c.title} sortKey={c.sortKey} sort={p.sort} onSort={p.onSort} /> : c.title}
            </div>
          ))}
          {p.columns.map((c) => {
            const key = searchIdentifier(c);
            return (
              <div role="columnheader" className={`cell col-${c.kind}`} key={columnId(c)} title={columnId(c)} aria-sort={p.sort.key === key ? (p.sort.ascending ? 'ascending' : 'descending') : undefined}>
                <SortButton title={c.key} sortKey={key} sort={p.sort} onSort={p.onSort} />
              </div>
            );
          })}
        </div>
        <div className="runs-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const run = p.runs[item.index]!;
            const id = run.info.runId;
            return (
              <div
                key={id}
                role="row"
                aria-rowindex={item.index + 2}
                data-row-index={item.index}
                className={`runs-row${p.selected.has(id) ? ' selected' : ''}`}
                style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <div role="cell" className="cell">
                  <input type="checkbox" aria-label={`Select run ${runDisplayName(run)}`} checked={p.selected.has(id)} onChange={() => p.onToggle(id)} />
                </div>
                <div role="cell" className="cell">
                  <Link to={`/experiments/${encodeURIComponent(p.experimentId)}/runs/${encodeURIComponent(id)}`}>{runDisplayName(run)}</Link>
                </div>
                <div role="cell" className="cell">{formatTime(run.info.startTime)}</div>
                <div role="cell" className="cell">{formatDuration(runDuration(run.info.startTime, run.info.endTime, now))}</div>
                <div role="cell" className="cell">
                  <span className={`status status-${(run.info.status ?? 'unknown').toLowerCase()}`}>{run.info.status ?? '—'}</span>
                </div>
                <div role="cell" className="cell">{run.info.userId ?? ''}</div>
                {p.columns.map((c) => {
                  const v = columnValue(run, c);
                  return (
                    <div role="cell" className={`cell${c.kind === 'metrics' ? ' num' : ''}`} key={columnId(c)} title={v === undefined ? undefined : String(v)}>
                      {typeof v === 'number' ? formatNumber(v) : (v ?? '')}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
        {p.loadingMore && p.runs.length > 0 && (
          <p className="loading" role="status">
            Loading more runs…
          </p>
        )}
      </div>
    </div>
  );
}
