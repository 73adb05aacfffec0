import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { ChartTransform, MetricSeries } from '../lib/chart-data.js';
import { alignSeries } from '../lib/chart-data.js';
import { formatNumber } from '../lib/format.js';
import { UplotChart } from './uplot-chart.js';
import { chartTheme, seriesColor, useColorScheme } from './use-color-scheme.js';

export interface MetricChartProps extends ChartTransform {
  title: string;
  series: readonly MetricSeries[];
  height?: number;
  perfMark?: string;
}

const X_LABELS = { step: 'step', relative: 'seconds since first point', wall: 'time' } as const;

/** Line chart of one metric for one or more runs. Drag to zoom on x, double-click to reset. */
export function MetricChart({ title, series, xAxis, smoothing, logScale, height = 260, perfMark }: MetricChartProps) {
  const scheme = useColorScheme();
  const data = useMemo(() => alignSeries(series, { xAxis, smoothing, logScale }) as unknown as uPlot.AlignedData, [series, xAxis, smoothing, logScale]);
  const labels = series.map((s) => s.label).join('\u0000');

  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const theme = chartTheme(scheme);
    const axis = { stroke: theme.axis, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    return {
      title,
      scales: { x: { time: xAxis === 'wall' }, y: { distr: logScale ? 3 : 1 } },
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { show: series.length <= 12 },
      axes: [
        { ...axis, label: X_LABELS[xAxis] },
        { ...axis, size: 70, // uPlot hands log-scale splits it does not label as null.
          values: (_u: uPlot, ticks: Array<number | null>) => ticks.map((v) => (v === null ? '' : formatNumber(v))) },
      ],
      series: [
        { label: X_LABELS[xAxis] },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: seriesColor(i),
          width: 1.5,
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatNumber(v)),
        })),
      ],
    };
    // `labels` stands for the series' identity; rebuilding on every new points array would reset zoom.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [title, labels, xAxis, logScale, scheme]);

  const pointCount = series.reduce((n, s) => n + s.points.length, 0);
  if (pointCount === 0) return <p className="muted">No points logged for {title}.</p>;
  return <UplotChart options={options} data={data} height={height} label={`${title} chart, ${pointCount} points`} {...(perfMark ? { perfMark } : {})} />;
}
