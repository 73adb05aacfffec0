import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { ErrorBanner, Loading } from '../../components/error-banner.js';
import { formatTime } from '../../lib/format.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { usePolling } from '../../lib/use-polling.js';
import { versionLink } from '../registry/registry-links.js';
import { EndpointDialog } from './endpoint-dialog.js';
import { LiveMetrics } from './live-metrics.js';
import { readiness } from './serving-page.js';
import { TrafficSplit } from './traffic-split.js';
import { TryItForm } from './try-it-form.js';

/** `/serving/:name?served=`: one endpoint's served versions, traffic, live metrics and a form to try it. */
export function EndpointPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const endpoint = useAsync(() => sdk().serving.getEndpoint(name), [name]);
  // Hot swaps show up without a reload: the served versions are re-read every few seconds.
  usePolling(endpoint.reload, 5000, endpoint.data !== undefined);
  const [deleting, setDeleting] = useState(false);
  const [editing, setEditing] = useState(false);
  const e = endpoint.data;
  const routes = new Map((e?.traffic ?? []).map((r) => [r.servedModelName, r.percentage]));

  return (
    <section className="page endpoint-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/serving">Serving</Link> / <span>{name}</span>
      </nav>
      <h1>
        {name}
        {e && <span className={`status ${e.ready ? 'state-success' : 'state-waiting'}`}>{readiness(e)}</span>}
        {e && (
          <button type="button" onClick={() => setEditing(true)}>
            Change models and traffic…
          </button>
        )}
        {e && (
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete endpoint…
          </button>
        )}
      </h1>
      {endpoint.error && <ErrorBanner title="Could not load the endpoint" error={endpoint.error} onRetry={endpoint.reload} />}
      {endpoint.loading && !e && <Loading what="the endpoint" />}
      {e && (
        <>
          {e.description && <p className="run-note">{e.description}</p>}
          <dl className="facts">
            <dt>Scoring URL</dt>
            <dd className="mono">{`POST ${window.location.origin}/api/v1/serving-endpoints/${encodeURIComponent(e.name)}/invocations`}</dd>
            <dt>Created</dt>
            <dd>{formatTime(e.creationTimestamp)}</dd>
            <dt>Last updated</dt>
            <dd>{formatTime(e.lastUpdatedTimestamp)}</dd>
            <dt>Inference log</dt>
            <dd>{e.inferenceLog ? 'on' : 'off'}</dd>
          </dl>
          <h2>Served models</h2>
          <TrafficSplit endpoint={e} />
          <table className="data-table served-models-table">
            <thead>
              <tr>
                <th scope="col">Served model</th>
                <th scope="col">Model URI</th>
                <th scope="col">Serving version</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Traffic
                </th>
              </tr>
            </thead>
            <tbody>
              {e.servedModels.map((s) => (
                <tr key={s.name} data-served={s.name}>
                  <td>{s.name}</td>
                  <td className="mono">{s.modelUri}</td>
                  <td>{s.modelName && s.modelVersion ? <Link to={versionLink(s.modelName, s.modelVersion)}>{`${s.modelName} version ${s.modelVersion}`}</Link> : '—'}</td>
                  <td>
                    <span className={`status ${s.deployment === 'READY' ? 'state-success' : s.deployment === 'FAILED' ? 'state-failed' : 'state-waiting'}`}>
                      {s.deployment ?? '—'}
                    </span>
                    {s.deploymentMessage && <div className="muted wrap">{s.deploymentMessage}</div>}
                  </td>
                  <td className="num">{routes.get(s.name) ?? 0}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Live traffic</h2>
          <LiveMetrics endpoint={e.name} />
          <h2>Try it</h2>
          <TryItForm endpoint={e} />
          <EndpointDialog
            endpoint={e}
            open={editing}
            onClose={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              endpoint.reload();
            }}
          />
          <ConfirmDialog
            open={deleting}
            title={`Delete endpoint ${e.name}?`}
            confirmLabel="Delete endpoint"
            onClose={() => setDeleting(false)}
            onConfirm={async () => {
              await sdk().serving.deleteEndpoint(e.name);
              navigate('/serving');
            }}
          >
            <p>Requests in flight finish; new requests to this endpoint are refused. The registered models are not touched.</p>
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
