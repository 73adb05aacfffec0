import type { Run } from '@modelyard/sdk/client';
import { seriesColor } from '../../components/use-color-scheme.js';
import { formatNumber } from '../../lib/format.js';
import { runDisplayName } from '../../lib/run-columns.js';
import type { NumericAxis } from './compare-data.js';
import { extent } from './compare-data.js';

const H = 360;
const PAD = { top: 36, bottom: 36, side: 90 };

function label(axis: NumericAxis, v: number): string {
  return axis.categories ? (axis.categories[v] ?? '') : formatNumber(v);
}

/** One vertical axis per column, one polyline per run; categorical params are spread by rank. */
export function ParallelCoordinates({ runs, axes }: { runs: readonly Run[]; axes: NumericAxis[] }) {
  if (axes.length < 2) return <p className="muted">Pick at least two columns.</p>;
  const width = Math.max(480, axes.length * 160);
  const ranges = axes.map((a) => extent(a.values));
  const ax = (i: number) => PAD.side + (i * (width - 2 * PAD.side)) / (axes.length - 1);
  const ay = (i: number, v: number) => {
    const [lo, hi] = ranges[i]!;
    return H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  };
  return (
    <div className="table-scroll">
      <svg className="parallel-coordinates" viewBox={`0 0 ${width} ${H}`} width={width} height={H} role="img" aria-label={`Parallel coordinates of ${runs.length} runs over ${axes.map((a) => a.label).join(', ')}`}>
        {runs.map((r, ri) => {
          const pts = axes.map((a, i) => (a.values[ri] === undefined ? undefined : `${ax(i)},${ay(i, a.values[ri]!)}`));
          if (pts.some((p) => p === undefined)) return null;
          return (
            <polyline key={r.info.runId} points={pts.join(' ')} fill="none" stroke={seriesColor(ri)} strokeWidth={1.5} className="pc-line">
              <title>{runDisplayName(r)}</title>
            </polyline>
          );
        })}
        {axes.map((a, i) => {
          const [lo, hi] = ranges[i]!;
          return (
            <g key={a.label}>
              <line x1={ax(i)} x2={ax(i)} y1={PAD.top} y2={H - PAD.bottom} className="axis-line" />
              <text x={ax(i)} y={PAD.top - 14} textAnchor="middle" className="axis-title">
                {a.label}
              </text>
              <text x={ax(i) + 4} y={PAD.top + 4} className="axis-text">
                {label(a, a.categories ? Math.round(hi) : hi)}
              </text>
              <text x={ax(i) + 4} y={H - PAD.bottom + 14} className="axis-text">
                {label(a, a.categories ? Math.round(lo) : lo)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
