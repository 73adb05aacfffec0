import type { Run } from '@modelyard/sdk/client';
import { seriesColor } from '../../components/use-color-scheme.js';
import { formatNumber } from '../../lib/format.js';
import { runDisplayName } from '../../lib/run-columns.js';
import type { NumericAxis } from './compare-data.js';
import { extent, ticks } from './compare-data.js';

const W = 640;
const H = 380;
const PAD = { left: 70, right: 20, top: 16, bottom: 48 };

function tickLabel(axis: NumericAxis, v: number): string {
  if (axis.categories) return Number.isInteger(v) ? (axis.categories[v] ?? '') : '';
  return formatNumber(v);
}

/** One point per run; SVG because a comparison holds at most a hundred runs. */
export function ScatterPlot({ runs, x, y }: { runs: readonly Run[]; x: NumericAxis; y: NumericAxis }) {
  const xr = extent(x.values);
  const yr = extent(y.values);
  const sx = (v: number) => PAD.left + ((v - xr[0]) / (xr[1] - xr[0])) * (W - PAD.left - PAD.right);
  const sy = (v: number) => H - PAD.bottom - ((v - yr[0]) / (yr[1] - yr[0])) * (H - PAD.top - PAD.bottom);
  const xTicks = x.categories ? x.categories.map((_, i) => i) : ticks(xr);
  const yTicks = y.categories ? y.categories.map((_, i) => i) : ticks(yr);
  const plotted = runs.filter((_, i) => x.values[i] !== undefined && y.values[i] !== undefined).length;
  return (
    <svg className="scatter-plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Scatter of ${y.label} against ${x.label}, ${plotted} runs`} data-points={plotted}>
      <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} className="axis-line" />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} className="axis-line" />
      {xTicks.map((t) => (
        <text key={`x${t}`} x={sx(t)} y={H - PAD.bottom + 16} textAnchor="middle" className="axis-text">
          {tickLabel(x, t)}
        </text>
      ))}
      {yTicks.map((t) => (
        <text key={`y${t}`} x={PAD.left - 6} y={sy(t) + 4} textAnchor="end" className="axis-text">
          {tickLabel(y, t)}
        </text>
      ))}
      <text x={(W + PAD.left) / 2} y={H - 8} textAnchor="middle" className="axis-title">
        {x.label}
      </text>
      <text x={14} y={(H - PAD.bottom) / 2} textAnchor="middle" className="axis-title" transform={`rotate(-90 14 ${(H - PAD.bottom) / 2})`}>
        {y.label}
      </text>
      {runs.map((r, i) => {
        const xv = x.values[i];
        const yv = y.values[i];
        if (xv === undefined || yv === undefined) return null;
        return (
          <circle key={r.info.runId} cx={sx(xv)} cy={sy(yv)} r={5} fill={seriesColor(i)} className="scatter-point">
            <title>{`${runDisplayName(r)}: ${x.label}=${tickLabel(x, xv)}, ${y.label}=${tickLabel(y, yv)}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}
