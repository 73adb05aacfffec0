import { useMemo } from 'react';
import type { Run } from '@modelyard/sdk/client';
import { ChartControls, useChartSettings } from '../../components/chart-controls.js';
import type { ChartSettings } from '../../components/chart-controls.js';
import { BarChart } from '../../components/bar-chart.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { MetricChart } from '../../components/metric-chart.js';
import { seriesColor } from '../../components/use-color-scheme.js';
import { isSingleValue, lastValue } from '../../lib/chart-data.js';
import { formatNumber, formatTime } from '../../lib/format.js';
import { runDisplayName } from '../../lib/run-columns.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';

/**
 * Charts shown when the URL names none: enough to glance at, few enough to load at once. Metrics
 * logged over steps come first: their lines are what the charts are for; single values follow.
 */
const DEFAULT_CHARTS = 12;
/** Points of a sampled chart: the server keeps the first and last steps and spreads the rest evenly. */
const SAMPLED_POINTS = 1000;

function MetricChartCard({ runId, runName, metricKey, full, settings }: { runId: string; runName: string; metricKey: string; full: boolean; settings: ChartSettings }) {
  const points = useAsync(
    async () => {
      const tracking = sdk().tracking;
      const data = full ? await tracking.getMetricHistory(runId, metricKey) : await tracking.getMetricHistoryBulkInterval([runId], metricKey, { maxResults: SAMPLED_POINTS });
      performance.mark('metric-chart-data', { detail: { key: metricKey, points: data.length } });
      return data;
    },
    [runId, metricKey, full],
  );
  const series = useMemo(() => (points.data ? [{ label: metricKey, points: points.data }] : []), [points.data, metricKey]);
  // One value (one step): a bar with its number, as MLflow shows it; a line needs several steps.
  const single = points.data !== undefined && points.data.length > 0 && isSingleValue(series);
  return (
    <figure className={`chart-card${single ? ' value-card' : ''}`} data-metric={metricKey} data-chart-kind={points.data ? (single ? 'bar' : 'line') : undefined}>
      {points.error && <ErrorBanner title={`Could not load ${metricKey}`} error={points.error} onRetry={points.reload} />}
      {points.loading && !points.data && <Loading what={metricKey} />}
      {points.data && single && <BarChart title={metricKey} bars={[{ label: runName, value: lastValue(series[0]!), color: seriesColor(0) }]} />}
      {points.data && !single && <MetricChart title={metricKey} series={series} {...settings} perfMark="metric-chart-drawn" />}
      {points.data && (
        <figcaption className="muted">
          {single
            ? `One value, at step ${points.data[0]!.step ?? 0}`
            : `${points.data.length.toLocaleString()} points${full ? ' (full history)' : ' (sampled)'}`}
        </figcaption>
      )}
    </figure>
  );
}

export function RunMetrics({ run }: { run: Run }) {
  const [settings, actions] = useChartSettings();
  const [picked, setPicked] = useQueryParam('metric');
  const [full, setFull] = useQueryParam('full');
  const metrics = [...run.data.latestMetrics].sort((a, b) => a.key.localeCompare(b.key));
  // A latest value past step 0 means the metric was logged over steps: a curve.
  const curvesFirst = [...metrics.filter((m) => (m.step ?? 0) > 0), ...metrics.filter((m) => (m.step ?? 0) <= 0)];
  const chosen = picked ? picked.split(',').filter((k) => metrics.some((m) => m.key === k)) : curvesFirst.slice(0, DEFAULT_CHARTS).map((m) => m.key);
  const toggle = (key: string) => {
    const next = chosen.includes(key) ? chosen.filter((k) => k !== key) : [...chosen, key];
    setPicked(next.join(','), { replace: true });
  };
  if (metrics.length === 0) return <p className="muted">No metrics were logged for this run.</p>;

  return (
    <div className="run-metrics">
      <table className="data-table metrics-table">
        <thead>
          <tr>
            <th scope="col">Chart</th>
            <th scope="col">Metric</th>
            <th scope="col">Latest value</th>
            <th scope="col">Step</th>
            <th scope="col">Logged</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.key}>
              <td>
                <input type="checkbox" aria-label={`Chart ${m.key}`} checked={chosen.includes(m.key)} onChange={() => toggle(m.key)} />
              </td>
              <td className="mono">{m.key}</td>
              <td className="num">{formatNumber(m.value)}</td>
              <td className="num">{m.step ?? 0}</td>
              <td>{formatTime(m.timestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="toolbar">
        <ChartControls settings={settings} actions={actions} />
        <label className="check">
          <input type="checkbox" checked={full === '1'} onChange={(e) => setFull(e.target.checked ? '1' : undefined, { replace: true })} /> Full history (every point)
        </label>
      </div>
      <div className="chart-grid">
        {chosen.map((key) => (
          <MetricChartCard key={key} runId={run.info.runId} runName={runDisplayName(run)} metricKey={key} full={full === '1'} settings={settings} />
        ))}
      </div>
    </div>
  );
}
