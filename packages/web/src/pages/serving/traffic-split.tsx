import type { ServingEndpoint } from '../../api/serving.js';
import { seriesColor } from '../../components/use-color-scheme.js';

/** The endpoint's traffic routes as one stacked bar, each served model's share in its colour. */
export function TrafficSplit({ endpoint }: { endpoint: ServingEndpoint }) {
  const served = endpoint.config?.served_models ?? [];
  const routes = endpoint.config?.traffic_config?.routes ?? [];
  const colorOf = (name: string) => seriesColor(Math.max(0, served.findIndex((s) => s.name === name)));
  const label = routes.map((r) => `${r.served_model_name} ${r.traffic_percentage}%`).join(', ');
  return (
    <div className="traffic-split" role="img" aria-label={`Traffic: ${label}`}>
      {routes
        .filter((r) => r.traffic_percentage > 0)
        .map((r) => (
          <span key={r.served_model_name} className="traffic-share" style={{ width: `${r.traffic_percentage}%`, background: colorOf(r.served_model_name) }} title={`${r.served_model_name}: ${r.traffic_percentage}%`}>
            {r.served_model_name} {r.traffic_percentage}%
          </span>
        ))}
    </div>
  );
}
