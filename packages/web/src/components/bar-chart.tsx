import { formatNumber } from '../lib/format.js';

export interface Bar {
  label: string;
  /** Undefined when this run did not log the metric: the row says so instead of drawing a bar. */
  value: number | undefined;
  color: string;
}

/** The axis of a bar chart: always holds zero, so a bar's length is its value. */
export function barDomain(values: ReadonlyArray<number | undefined>): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v === undefined || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo === hi ? [0, 1] : [lo, hi];
}

/**
 * A metric with one value per run, as MLflow draws it: a horizontal bar per run from zero to its
 * value, the value written beside it. HTML, not canvas: the labels and numbers stay text that
 * wraps, selects and reads out like the rest of the page.
 */
export function BarChart({ title, bars }: { title: string; bars: readonly Bar[] }) {
  const [lo, hi] = barDomain(bars.map((b) => b.value));
  const pct = (v: number) => ((v - lo) / (hi - lo)) * 100;
  const zero = pct(0);
  const described = bars.map((b) => `${b.label} ${b.value === undefined ? 'not logged' : formatNumber(b.value)}`).join(', ');
  return (
    <div className="bar-chart" role="img" aria-label={`${title}: ${described}`} data-chart="bar" data-bars={bars.filter((b) => b.value !== undefined).length}>
      <div className="bar-chart-title">{title}</div>
      <div className="bar-rows">
      {bars.map((b, i) => {
        const v = b.value;
        const finite = v !== undefined && Number.isFinite(v);
        return (
          <div className="bar-row" key={`${i}-${b.label}`} data-bar={b.label} {...(v !== undefined ? { 'data-value': String(v) } : {})}>
            <span className="bar-label" title={b.label}>
              {b.label}
            </span>
            <span className="bar-track">
              {lo < 0 && <span className="bar-zero" style={{ left: `${zero}%` }} />}
              {finite && (
                <span
                  className="bar"
                  style={{ background: b.color, left: `${Math.min(zero, pct(v))}%`, width: `max(2px, ${Math.abs(pct(v) - zero)}%)` }}
                />
              )}
            </span>
            <span className={`bar-value num${v === undefined ? ' muted' : ''}`}>{v === undefined ? 'not logged' : formatNumber(v)}</span>
          </div>
        );
      })}
      </div>
    </div>
  );
}
