import type { XAxis } from '../lib/chart-data.js';
import { useQueryParam } from '../lib/search-params.js';

export interface ChartSettings {
  xAxis: XAxis;
  smoothing: number;
  logScale: boolean;
}

/** Chart settings kept in the URL (`x`, `smooth`, `log`), shared by every chart on the page. */
export function useChartSettings(): [ChartSettings, { setX(x: XAxis): void; setSmoothing(v: number): void; setLog(on: boolean): void }] {
  const [x, setX] = useQueryParam('x');
  const [smooth, setSmooth] = useQueryParam('smooth');
  const [log, setLog] = useQueryParam('log');
  const xAxis: XAxis = x === 'relative' || x === 'wall' ? x : 'step';
  const parsed = Number(smooth);
  const smoothing = Number.isFinite(parsed) ? Math.min(0.99, Math.max(0, parsed)) : 0;
  return [
    { xAxis, smoothing, logScale: log === '1' },
    {
      setX: (v) => setX(v === 'step' ? undefined : v, { replace: true }),
      setSmoothing: (v) => setSmooth(v > 0 ? String(v) : undefined, { replace: true }),
      setLog: (on) => setLog(on ? '1' : undefined, { replace: true }),
    },
  ];
}

export function ChartControls({ settings, actions }: { settings: ChartSettings; actions: ReturnType<typeof useChartSettings>[1] }) {
  return (
    <div className="chart-controls" role="group" aria-label="Chart settings">
      <label>
        X axis{' '}
        <select value={settings.xAxis} onChange={(e) => actions.setX(e.target.value as XAxis)}>
          <option value="step">Step</option>
          <option value="relative">Relative time</option>
          <option value="wall">Wall time</option>
        </select>
      </label>
      <label>
        Smoothing{' '}
        <input type="range" min={0} max={0.99} step={0.01} value={settings.smoothing} onChange={(e) => actions.setSmoothing(Number(e.target.value))} />
        <output>{settings.smoothing.toFixed(2)}</output>
      </label>
      <label className="check">
        <input type="checkbox" checked={settings.logScale} onChange={(e) => actions.setLog(e.target.checked)} /> Log scale
      </label>
      <span className="muted hint">Drag across a chart to zoom; double-click to reset.</span>
    </div>
  );
}
