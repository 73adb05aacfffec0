import type { ServingEndpoint } from '@modelyard/sdk/client';
import { seriesColor } from '../../components/use-color-scheme.js';

/** The endpoint's traffic routes as one stacked bar, each served model's share in its colour. */
export function TrafficSplit({ endpoint }: { endpoint: ServingEndpoint }) {
  const served = endpoint.servedModels;
  const routes = endpoint.traffic;
  const colorOf = (name: string) => seriesColor(Math.max(0, served.findIndex((s) => s.name === name)));
  const label = routes.map((r) => `${r.servedModelName} ${r.percentage}%`).join(', ');
  return (
    <div className="traffic-split" role="img" aria-label={`Traffic: ${label}`}>
      {routes
        .filter((r) => r.percentage > 0)
        .map((r) => (
          <span key={r.servedModelName} className="traffic-share" style={{ width: `${r.percentage}%`, background: colorOf(r.servedModelName) }} title={`${r.servedModelName}: ${r.percentage}%`}>
            {r.servedModelName} {r.percentage}%
          </span>
        ))}
    </div>
  );
}
