import { Link } from 'react-router';
import { listEndpoints } from '../../api/serving.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { usePolling } from '../../lib/use-polling.js';
import { versionLink } from '../registry/registry-links.js';
import { TrafficSplit } from './traffic-split.js';

export function endpointLink(name: string): string {
  return `/serving/${encodeURIComponent(name)}`;
}

/** `/serving`: the serving endpoints, what each serves and how traffic is split. */
export function ServingPage() {
  const endpoints = useAsync((signal) => listEndpoints(signal), []);
  // Loading and hot-swapping are visible here: the list refreshes while any model is not ready.
  usePolling(
    endpoints.reload,
    2000,
    (endpoints.data ?? []).some((e) => (e.config?.served_models ?? []).some((s) => s.state?.deployment === 'LOADING')),
  );
  return (
    <section className="page">
      <h1>Serving endpoints</h1>
      {endpoints.error && <ErrorBanner title="Could not list serving endpoints" error={endpoints.error} onRetry={endpoints.reload} />}
      {endpoints.loading && !endpoints.data && <Loading what="serving endpoints" />}
      {endpoints.data && endpoints.data.length === 0 && (
        <p className="muted">
          No endpoints. Create one with <code>POST /api/v1/serving-endpoints</code>, a pipeline <code>deploy_task</code>, or <code>serving_endpoints</code> in <code>modelyard.yaml</code>.
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
                  <span className={`status ${e.state?.ready === 'READY' ? 'state-success' : 'state-waiting'}`}>{e.state?.ready ?? '—'}</span>
                </td>
                <td>
                  <ul className="plain-list">
                    {(e.config?.served_models ?? []).map((s) => (
                      <li key={s.name}>
                        <strong>{s.name}</strong>:{' '}
                        {s.model_name && s.model_version ? <Link to={versionLink(s.model_name, s.model_version)}>{`${s.model_name} v${s.model_version}`}</Link> : <span className="mono">{s.model_uri}</span>}{' '}
                        <span className="muted">({s.state?.deployment ?? '?'})</span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="traffic-cell">
                  <TrafficSplit endpoint={e} />
                </td>
                <td>{formatTime(e.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
