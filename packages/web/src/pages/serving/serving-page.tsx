import { useState } from 'react';
import type { ServingEndpoint } from '@modelyard/sdk/client';
import { Link, useNavigate } from 'react-router';
import { sdk } from '../../sdk-client.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { usePolling } from '../../lib/use-polling.js';
import { versionLink } from '../registry/registry-links.js';
import { EndpointDialog } from './endpoint-dialog.js';
import { TrafficSplit } from './traffic-split.js';

export function endpointLink(name: string): string {
  return `/serving/${encodeURIComponent(name)}`;
}

/** The server's readiness word (Databricks' `state.ready`): every served model loaded or not. */
export function readiness(e: ServingEndpoint): 'READY' | 'NOT_READY' {
  return e.ready ? 'READY' : 'NOT_READY';
}

/** `/serving`: the serving endpoints, what each serves and how traffic is split. */
export function ServingPage() {
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const endpoints = useAsync(() => sdk().serving.listEndpoints(), []);
  // Loading and hot-swapping are visible here: the list refreshes while any model is not ready.
  usePolling(
    endpoints.reload,
    2000,
    (endpoints.data ?? []).some((e) => e.servedModels.some((s) => s.deployment === 'LOADING')),
  );
  return (
    <section className="page">
      <h1>
        Serving endpoints
        <button type="button" onClick={() => setCreating(true)}>
          Create endpoint…
        </button>
      </h1>
      <EndpointDialog open={creating} onClose={() => setCreating(false)} onSaved={(e) => navigate(endpointLink(e.name))} />
      {endpoints.error && <ErrorBanner title="Could not list serving endpoints" error={endpoints.error} onRetry={endpoints.reload} />}
      {endpoints.loading && !endpoints.data && <Loading what="serving endpoints" />}
      {endpoints.data && endpoints.data.length === 0 && (
        <p className="muted">
          No endpoints. Create one here, with <code>POST /api/v1/serving-endpoints</code>, a pipeline <code>deploy_task</code>, or <code>serving_endpoints</code> in <code>modelyard.yaml</code>.
        </p>
      )}
      {endpoints.data && endpoints.data.length > 0 && (
        <table className="data-table endpoints-table">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">Served models</th>
              <th scope="col">Traffic</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((e) => (
              <tr key={e.name}>
                <td>
                  <Link to={endpointLink(e.name)}>{e.name}</Link>
                  {e.description && <div className="muted">{e.description}</div>}
                </td>
                <td>
                  <span className={`status ${e.ready ? 'state-success' : 'state-waiting'}`}>{readiness(e)}</span>
                </td>
                <td>
                  <ul className="plain-list">
                    {e.servedModels.map((s) => (
                      <li key={s.name}>
                        <strong>{s.name}</strong>:{' '}
                        {s.modelName && s.modelVersion ? <Link to={versionLink(s.modelName, s.modelVersion)}>{`${s.modelName} v${s.modelVersion}`}</Link> : <span className="mono">{s.modelUri}</span>}{' '}
                        <span className="muted">({s.deployment ?? '?'})</span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="traffic-cell">
                  <TrafficSplit endpoint={e} />
                </td>
                <td>{formatTime(e.lastUpdatedTimestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
