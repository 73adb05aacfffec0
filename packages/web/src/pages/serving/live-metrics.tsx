import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import type uPlot from 'uplot';
import { ErrorBanner } from '../../components/error-banner.js';
import { UplotChart } from '../../components/uplot-chart.js';
import { chartTheme, seriesColor, useColorScheme } from '../../components/use-color-scheme.js';
import { endpointCounters, parsePrometheusText, servingRates } from '../../lib/prometheus.js';
import type { EndpointCounters, ServingRates } from '../../lib/prometheus.js';
import { formatNumber } from '../../lib/format.js';
import { usePolling } from '../../lib/use-polling.js';
import { sdk } from '../../sdk-client.js';
import { versionLink } from '../registry/registry-links.js';

const POLL_MS = 2000;
/** Five minutes of readings. */
const KEPT_POINTS = 150;

interface Reading {
  at: number;
  rates: ServingRates;
}

function fmtMs(v: number | undefined): string {
  return v === undefined ? '—' : `${formatNumber(Number(v.toPrecision(3)))} ms`;
}

/**
 * Request rate and latency of one endpoint, live: the server's Prometheus counters are read every
 * two seconds and differenced, as rate() would, so the figures cover the last interval only.
 */
export function LiveMetrics({ endpoint }: { endpoint: string }) {
  const [readings, setReadings] = useState<Reading[]>([]);
  const [totals, setTotals] = useState<EndpointCounters | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const last = useRef<EndpointCounters | undefined>(undefined);
  const scheme = useColorScheme();

  const read = async () => {
    try {
      const counters = endpointCounters(parsePrometheusText(await sdk().serving.metricsText()), endpoint, Date.now());
      const prev = last.current;
      last.current = counters;
      setTotals(counters);
      setError(undefined);
      if (prev) setReadings((r) => [...r, { at: counters.at, rates: servingRates(prev, counters) }].slice(-KEPT_POINTS));
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  useEffect(() => {
    last.current = undefined;
    setReadings([]);
    void read();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [endpoint]);
  usePolling(() => void read(), POLL_MS, true);

  const data = useMemo(
    () =>
      [
        readings.map((r) => r.at / 1000),
        readings.map((r) => r.rates.requestsPerSecond),
        readings.map((r) => r.rates.meanMs ?? null),
        readings.map((r) => r.rates.p95Ms ?? null),
      ] as unknown as uPlot.AlignedData,
    [readings],
  );
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const theme = chartTheme(scheme);
    const axis = { stroke: theme.axis, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    return {
      scales: { x: { time: true }, rps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] }, ms: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        axis,
        { ...axis, scale: 'rps', label: 'requests / s', size: 60 },
        { ...axis, scale: 'ms', side: 1, label: 'latency ms', size: 60, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'requests/s', scale: 'rps', stroke: seriesColor(0), width: 2, spanGaps: true },
        { label: 'mean ms', scale: 'ms', stroke: seriesColor(1), width: 1.5, spanGaps: false },
        { label: 'p95 ms', scale: 'ms', stroke: seriesColor(3), width: 1.5, dash: [5, 4], spanGaps: false },
      ],
    };
  }, [scheme]);

  const latest = readings[readings.length - 1]?.rates;
  return (
    <div className="live-metrics">
      {error && <ErrorBanner title="Could not read the server's metrics" error={error} onRetry={() => void read()} />}
      <dl className="kpis" aria-live="polite">
        <div>
          <dt>Requests / s</dt>
          <dd data-kpi="rps">{latest ? formatNumber(Number(latest.requestsPerSecond.toFixed(2))) : '—'}</dd>
        </div>
        <div>
          <dt>Mean latency</dt>
          <dd data-kpi="mean">{fmtMs(latest?.meanMs)}</dd>
        </div>
        <div>
          <dt>p95 latency</dt>
          <dd data-kpi="p95">{fmtMs(latest?.p95Ms)}</dd>
        </div>
        <div>
          <dt>Errors / s</dt>
          <dd data-kpi="errors">{latest ? formatNumber(Number(latest.errorsPerSecond.toFixed(2))) : '—'}</dd>
        </div>
        <div>
          <dt>Requests since start</dt>
          <dd data-kpi="total">{totals ? totals.requests.toLocaleString() : '—'}</dd>
        </div>
      </dl>
      {totals && totals.byVersion.size > 0 && <AnsweredByVersion totals={totals} />}
      {readings.length >= 2 ? (
        <UplotChart options={options} data={data} height={220} label={`Request rate and latency of ${endpoint}, last ${readings.length} readings`} />
      ) : (
        <p className="muted">Collecting readings (every {POLL_MS / 1000} s)…</p>
      )}
    </div>
  );
}

/** Which model versions answered the endpoint's requests, with counts that say what they count. */
function AnsweredByVersion({ totals }: { totals: EndpointCounters }) {
  const rows = [...totals.byVersion.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
  const all = rows.reduce((n, [, v]) => n + v.requests, 0);
  return (
    <table className="data-table answered-table">
      <caption>Requests answered, by model version</caption>
      <thead>
        <tr>
          <th scope="col">Model version</th>
          <th scope="col" className="num">
            Requests since start
          </th>
          <th scope="col" className="num">
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, v]) => (
          <tr key={key} data-version={key}>
            <td>{v.modelName !== undefined && v.modelVersion !== undefined ? <Link to={versionLink(v.modelName, v.modelVersion)}>{key}</Link> : key}</td>
            <td className="num" data-requests={v.requests}>
              {v.requests.toLocaleString()}
            </td>
            <td className="num">{all > 0 ? `${formatNumber(Number(((v.requests / all) * 100).toFixed(1)))} %` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
