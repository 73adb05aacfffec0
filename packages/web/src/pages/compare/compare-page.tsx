import { useMemo } from 'react';
import { Link } from 'react-router';
import type { Run } from '@modelyard/sdk/client';
import { BarChart } from '../../components/bar-chart.js';
import { ChartControls, useChartSettings } from '../../components/chart-controls.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { MetricChart } from '../../components/metric-chart.js';
import { seriesColor } from '../../components/use-color-scheme.js';
import { isSingleValue, lastValue } from '../../lib/chart-data.js';
import type { DataColumn } from '../../lib/run-columns.js';
import { availableKeys, columnId, parseColumn, runDisplayName } from '../../lib/run-columns.js';
import { useQueryParam } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { numericAxis } from './compare-data.js';
import { DiffTable } from './diff-table.js';
import { ParallelCoordinates } from './parallel-coordinates.js';
import { ScatterPlot } from './scatter-plot.js';

/** Points per run of an overlay chart: the server keeps the first and last steps and spreads the rest evenly. */
const SAMPLED_POINTS = 1000;

function OverlayChart({ runs, metricKey }: { runs: Run[]; metricKey: string }) {
  const [settings, actions] = useChartSettings();
  const ids = runs.map((r) => r.info.runId);
  const points = useAsync(() => sdk().tracking.getMetricHistoryBulkInterval(ids, metricKey, { maxResults: SAMPLED_POINTS }), [ids.join(','), metricKey]);
  const series = useMemo(() => {
    const byRun = new Map<string, NonNullable<typeof points.data>>();
    for (const m of points.data ?? []) {
      const list = byRun.get(m.runId ?? '') ?? [];
      list.push(m);
      byRun.set(m.runId ?? '', list);
    }
    return runs.map((r) => ({ label: runDisplayName(r), points: byRun.get(r.info.runId) ?? [] }));
  }, [points.data, runs]);
  // Each run logged one value (or none): a bar per run, as MLflow compares such metrics.
  const bars = points.data !== undefined && points.data.length > 0 && isSingleValue(series);
  return (
    <div className="overlay-chart" data-metric={metricKey} data-chart-kind={points.data ? (bars ? 'bar' : 'line') : undefined}>
      {!bars && <ChartControls settings={settings} actions={actions} />}
      {points.error && <ErrorBanner title={`Could not load ${metricKey}`} error={points.error} onRetry={points.reload} />}
      {points.loading && !points.data && <Loading what={metricKey} />}
      {points.data && bars && (
        <BarChart title={metricKey} bars={series.map((s, i) => ({ label: s.label, value: s.points.length > 0 ? lastValue(s) : undefined, color: seriesColor(i) }))} />
      )}
      {points.data && !bars && <MetricChart title={metricKey} series={series} {...settings} height={320} />}
    </div>
  );
}

export function ComparePage() {
  const [runsParam] = useQueryParam('runs');
  const [experimentId] = useQueryParam('experiment');
  const [metricParam, setMetric] = useQueryParam('metric');
  const [view, setView] = useQueryParam('view');
  const [sx, setSx] = useQueryParam('sx');
  const [sy, setSy] = useQueryParam('sy');
  const [axesParam, setAxes] = useQueryParam('axes');
  const ids = runsParam.split(',').filter((s) => s !== '');
  const loaded = useAsync(() => Promise.all(ids.map((id) => sdk().tracking.getRun(id))), [runsParam]);
  const runs = loaded.data ?? [];
  const experiment = useAsync(async () => (experimentId ? sdk().tracking.getExperiment(experimentId) : undefined), [experimentId]);
  const keys = useMemo(() => availableKeys(runs), [runs]);
  const numericColumns: DataColumn[] = useMemo(
    () => [...keys.metrics.map((key) => ({ kind: 'metrics' as const, key })), ...keys.params.map((key) => ({ kind: 'params' as const, key }))],
    [keys],
  );
  // Unless the URL names one, the first metric logged over steps (a latest value past step 0):
  // its lines say more than any single value's bars.
  const firstCurve = keys.metrics.find((k) => runs.some((r) => r.data.latestMetrics.some((m) => m.key === k && (m.step ?? 0) > 0)));
  const metricKey = metricParam && keys.metrics.includes(metricParam) ? metricParam : (firstCurve ?? keys.metrics[0]);
  const pick = (id: string, fallback: number) => parseColumn(id) ?? numericColumns[Math.min(fallback, numericColumns.length - 1)];
  const xCol = pick(sx, keys.metrics.length > 0 && keys.params.length > 0 ? keys.metrics.length : 0);
  const yCol = pick(sy, 0);
  const pcColumns = axesParam
    ? axesParam.split(',').map(parseColumn).filter((c): c is DataColumn => c !== undefined)
    : [...keys.params.slice(0, 5).map((key) => ({ kind: 'params' as const, key })), ...keys.metrics.slice(0, 3).map((key) => ({ kind: 'metrics' as const, key }))];

  if (ids.length === 0) {
    return (
      <section className="page">
        <h1>Compare runs</h1>
        <p>
          No runs chosen. Select runs in an experiment's runs table, then press “Compare selected”. <Link to="/experiments">Experiments</Link>
        </p>
      </section>
    );
  }
  const back = experimentId ? `/experiments/${encodeURIComponent(experimentId)}` : '/experiments';
  return (
    <section className="page compare-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/experiments">Experiments</Link> / <Link to={back}>{experiment.data?.name ?? (experimentId ? `Experiment ${experimentId}` : 'runs')}</Link> / <span>Compare</span>
      </nav>
      <h1>Compare {ids.length} runs</h1>
      {loaded.error && <ErrorBanner title="Could not load the runs" error={loaded.error} onRetry={loaded.reload} />}
      {loaded.loading && !loaded.data && <Loading what="runs" />}
      {runs.length > 0 && (
        <>
          <ul className="run-legend">
            {runs.map((r, i) => (
              <li key={r.info.runId}>
                <span className="swatch" style={{ background: seriesColor(i) }} aria-hidden="true" />
                <Link to={`/experiments/${encodeURIComponent(r.info.experimentId)}/runs/${encodeURIComponent(r.info.runId)}`}>{runDisplayName(r)}</Link>
              </li>
            ))}
          </ul>

          <h2>Metrics</h2>
          {metricKey ? (
            <>
              <label className="inline-field">
                Metric{' '}
                <select aria-label="Metric" value={metricKey} onChange={(e) => setMetric(e.target.value, { replace: true })}>
                  {keys.metrics.map((k) => (
                    <option key={k}>{k}</option>
                  ))}
                </select>
              </label>
              <OverlayChart runs={runs} metricKey={metricKey} />
            </>
          ) : (
            <p className="muted">These runs logged no metrics.</p>
          )}

          <h2>Differences</h2>
          <DiffTable runs={runs} />

          <h2>Relationships</h2>
          <div className="toolbar" role="group" aria-label="Relationship view">
            <label className="check">
              <input type="radio" name="rel-view" checked={view !== 'parallel'} onChange={() => setView(undefined, { replace: true })} /> Scatter
            </label>
            <label className="check">
              <input type="radio" name="rel-view" checked={view === 'parallel'} onChange={() => setView('parallel', { replace: true })} /> Parallel coordinates
            </label>
          </div>
          {numericColumns.length === 0 && <p className="muted">Nothing to plot: these runs logged no params or metrics.</p>}
          {numericColumns.length > 0 && view !== 'parallel' && xCol && yCol && (
            <>
              <div className="toolbar">
                <ColumnSelect label="X" columns={numericColumns} value={xCol} onChange={(c) => setSx(columnId(c), { replace: true })} />
                <ColumnSelect label="Y" columns={numericColumns} value={yCol} onChange={(c) => setSy(columnId(c), { replace: true })} />
              </div>
              <ScatterPlot runs={runs} x={numericAxis(runs, xCol)} y={numericAxis(runs, yCol)} />
            </>
          )}
          {numericColumns.length > 0 && view === 'parallel' && (
            <>
              <details className="column-picker">
                <summary>Axes ({pcColumns.length})</summary>
                <div className="column-picker-body">
                  {numericColumns.map((c) => {
                    const on = pcColumns.some((p) => columnId(p) === columnId(c));
                    return (
                      <label key={columnId(c)} className="check">
                        <input
                          type="checkbox"
                          checked={on}
                          onChange={() => setAxes((on ? pcColumns.filter((p) => columnId(p) !== columnId(c)) : [...pcColumns, c]).map(columnId).join(','), { replace: true })}
                        />
                        {columnId(c)}
                      </label>
                    );
                  })}
                </div>
              </details>
              <ParallelCoordinates runs={runs} axes={pcColumns.map((c) => numericAxis(runs, c))} />
            </>
          )}
        </>
      )}
    </section>
  );
}

function ColumnSelect({ label, columns, value, onChange }: { label: string; columns: DataColumn[]; value: DataColumn; onChange(c: DataColumn): void }) {
  return (
    <label className="inline-field">
      {label}{' '}
      <select aria-label={`${label} axis column`} value={columnId(value)} onChange={(e) => onChange(parseColumn(e.target.value)!)}>
        {columns.map((c) => (
          <option key={columnId(c)} value={columnId(c)}>
            {columnId(c)}
          </option>
        ))}
      </select>
    </label>
  );
}
