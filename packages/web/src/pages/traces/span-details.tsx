import { Link } from 'react-router';
import type { AttributeValue, Span } from '@modelyard/sdk/client';
import { formatTime } from '../../lib/format.js';
import { spanExceptions } from '../../lib/span-tree.js';
import { jobRunLink } from '../jobs/job-links.js';
import { versionLink } from '../registry/registry-links.js';

function show(v: AttributeValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Attributes that name something the UI has a page for become links to it. */
function AttributeValueCell({ name, value, attrs }: { name: string; value: AttributeValue; attrs: Record<string, AttributeValue> }) {
  const text = show(value);
  if (name === 'mlflow.run_id' && typeof value === 'string') return <Link to={`/runs/${encodeURIComponent(value)}`}>{text}</Link>;
  if (name === 'modelyard.job_run_id') return <Link to={jobRunLink(text)}>{text}</Link>;
  const modelName = attrs['modelyard.model.name'];
  if (name === 'modelyard.model.version' && typeof modelName === 'string') {
    return <Link to={versionLink(modelName, text)}>{text}</Link>;
  }
  return <>{text}</>;
}

/** One span: timing, status, every attribute, its events, and exceptions with their stack traces. */
export function SpanDetails({ span }: { span: Span }) {
  const attrs = span.attributes;
  const exceptions = spanExceptions(span);
  const otherEvents = span.events.filter((e) => e.name !== 'exception');
  return (
    <section className="span-details" aria-labelledby="span-details-title">
      <h2 id="span-details-title">{span.name}</h2>
      <dl className="facts">
        <dt>Span ID</dt>
        <dd className="mono">{span.spanId}</dd>
        <dt>Kind</dt>
        <dd>{span.kind ?? '—'}</dd>
        <dt>Service</dt>
        <dd>{span.serviceName ?? '—'}</dd>
        <dt>Started</dt>
        <dd>{formatTime(span.startTimeUs / 1000)}</dd>
        <dt>Status</dt>
        <dd>
          {span.statusCode ?? 'UNSET'}
          {span.statusMessage ? <span className="wrap"> — {span.statusMessage}</span> : null}
        </dd>
      </dl>
      {exceptions.map((x, i) => (
        <div key={i} className="error-banner span-exception" role="note">
          <strong>{x.type ?? 'Exception'}</strong>
          {x.message && <p className="error-message">{x.message}</p>}
          {x.stacktrace && (
            <details>
              <summary>Stack trace</summary>
              <pre className="text-preview">{x.stacktrace}</pre>
            </details>
          )}
        </div>
      ))}
      <h3>Attributes</h3>
      {Object.keys(attrs).length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="data-table attributes-table">
          <tbody>
            {Object.entries(attrs)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => (
                <tr key={k} data-attribute={k}>
                  <th scope="row" className="mono">
                    {k}
                  </th>
                  <td className="mono wrap">
                    <AttributeValueCell name={k} value={v} attrs={attrs} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {otherEvents.length > 0 && (
        <>
          <h3>Events</h3>
          <ul className="plain-list">
            {otherEvents.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> <span className="muted">{e.timeUs !== undefined ? formatTime(e.timeUs / 1000) : ''}</span>{' '}
                <span className="mono">{Object.keys(e.attributes).length > 0 ? JSON.stringify(e.attributes) : ''}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
