import { useEffect, useMemo, useRef } from 'react';
import type { CSSProperties } from 'react';
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
  /** Width in rem; the Run column's is its minimum: it takes the room the others leave. */
  rem: number;
}

const FIXED: FixedColumn[] = [
  { title: 'Run', sortKey: 'attributes.run_name', rem: 14 },
  { title: 'Created', sortKey: 'attributes.start_time', rem: 12.5 },
  { title: 'Duration', rem: 7 },
  { title: 'Status', sortKey: 'attributes.status', rem: 6.5 },
  { title: 'User', sortKey: 'attributes.user_id', rem: 8 },
];
const CHECKBOX_REM = 2.75;

/**
 * A data column as wide as its header needs (about 0.58rem a character, plus padding and the
 * sort arrow), between 7.5rem and 16rem; a longer key is cut, its header's title has it whole.
 */
function dataColumnRem(c: DataColumn): number {
  return Math.min(16, Math.max(7.5, Math.ceil((c.key.length * 0.58 + 2.25) * 4) / 4));
}

/**
 * The one column layout of the table, as CSS custom properties on its root: the header and every
 * row read the same `grid-template-columns` and are all exactly `--runs-width` wide (or the
 * scroll box's width, when that is larger). Every track is a fixed length except the Run
 * column's `minmax(…, 1fr)`, which resolves from that shared width alone, so no row's content
 * can size a column. (A grid per row whose width came from its own content — `max-content` —
 * gave every row different columns once they outgrew the window.)
 */
function runsTableLayout(columns: readonly DataColumn[]): { template: string; minWidthRem: number } {
  const [run, ...rest] = FIXED;
  const widths = [...rest.map((c) => c.rem), ...columns.map(dataColumnRem)];
  const template = [`${CHECKBOX_REM}rem`, `minmax(${run!.rem}rem, 1fr)`, ...widths.map((w) => `${w}rem`)].join(' ');
  return { template, minWidthRem: CHECKBOX_REM + run!.rem + widths.reduce((a, b) => a + b, 0) };
}

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
 * DOM, so 10,000 loaded runs scroll like 50. The header and the rows are CSS grids sharing one
 * column layout (runsTableLayout), set once on the table rather than on each row.
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

  const layout = useMemo(() => runsTableLayout(p.columns), [p.columns]);
  const layoutStyle = { '--runs-columns': layout.template, '--runs-width': `${layout.minWidthRem}rem` } as CSSProperties;
  const allSelected = p.runs.length > 0 && p.runs.every((r) => p.selected.has(r.info.runId));
  const now = Date.now();

  return (
    <div className="runs-table" role="table" aria-label="Runs" aria-rowcount={p.runs.length + 1} aria-colcount={FIXED.length + 1 + p.columns.length} style={layoutStyle}>
      <div ref={scrollRef} className="runs-scroll">
        <div className="runs-row runs-header" role="row">
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
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
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
