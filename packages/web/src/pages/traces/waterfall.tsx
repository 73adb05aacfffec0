import type { Span } from '@modelyard/sdk/client';
import { formatDuration } from '../../lib/format.js';
import { spanExceptions } from '../../lib/span-tree.js';
import type { SpanRow } from '../../lib/span-tree.js';

function fmtUs(us: number): string {
  return us < 1000 ? `${Math.round(us)} µs` : formatDuration(us / 1000);
}

function spanClass(s: Span): string {
  if (s.statusCode === 'ERROR' || spanExceptions(s).length > 0) return 'state-failed';
  if (s.kind === 'SERVER' || s.kind === 'CLIENT') return 'state-running';
  return 'state-success';
}

/**
 * A trace as a waterfall: one row per span, indented under its parent, its bar placed on the
 * trace's time axis. Each row is a button that opens the span's attributes and exceptions.
 */
export function Waterfall({ rows, selected, onSelect }: { rows: readonly SpanRow[]; selected?: string; onSelect: (spanId: string) => void }) {
  if (rows.length === 0) return <p className="muted">No spans.</p>;
  const start = Math.min(...rows.map((r) => r.span.startTimeUs));
  const end = Math.max(...rows.map((r) => r.span.endTimeUs), start + 1);
  const total = end - start;
  const pct = (us: number) => `${(us / total) * 100}%`;
  return (
    <div className="waterfall" role="list" aria-label={`Spans, ${fmtUs(total)} in all`}>
      <div className="waterfall-row waterfall-axis" aria-hidden="true">
        <span>Span</span>
        <div className="waterfall-track">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span key={f} className="gantt-tick" style={{ left: `${f * 100}%`, ...(f === 1 ? { transform: 'translateX(-100%)' } : {}) }}>
              {fmtUs(total * f)}
            </span>
          ))}
        </div>
        <span className="num">Duration</span>
      </div>
      {rows.map(({ span: s, depth }) => {
        const errors = spanExceptions(s).length;
        return (
          <div role="listitem" key={s.spanId}>
            <button
              type="button"
              className={`waterfall-row waterfall-span${selected === s.spanId ? ' selected' : ''}`}
              aria-pressed={selected === s.spanId}
              data-span={s.name}
              onClick={() => onSelect(s.spanId)}
            >
              <span className="waterfall-name" style={{ paddingLeft: `${depth * 1.1}rem` }} title={s.serviceName && s.serviceName !== 'modelyard' ? `${s.name} · ${s.serviceName}` : s.name}>
                <span className="waterfall-label">{s.name}</span>
                {s.serviceName && s.serviceName !== 'modelyard' ? <span className="muted"> · {s.serviceName}</span> : null}
                {errors > 0 ? <span className="status state-failed">{errors === 1 ? 'exception' : `${errors} exceptions`}</span> : null}
              </span>
              <span className="waterfall-track">
                <span
                  className={`gantt-bar ${spanClass(s)}`}
                  style={{ left: pct(s.startTimeUs - start), width: `max(2px, ${pct(s.endTimeUs - s.startTimeUs)})` }}
                />
              </span>
              <span className="num">{fmtUs(s.durationUs)}</span>
            </button>
          </div>
        );
      })}
    </div>
  );
}
