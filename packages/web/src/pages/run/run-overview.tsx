import { Link } from 'react-router';
import type { Run } from '@modelyard/sdk/client';
import { ErrorBanner } from '../../components/error-banner.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { runDisplayName, tagValue } from '../../lib/run-columns.js';
import { filterLiteral } from '../../lib/search-params.js';
import { useAsync } from '../../lib/use-async.js';
import { sdk } from '../../sdk-client.js';
import { RunModelVersions } from './run-model-versions.js';

function runLink(run: { experimentId: string; runId: string }) {
  return `/experiments/${encodeURIComponent(run.experimentId)}/runs/${encodeURIComponent(run.runId)}`;
}

function Source({ run }: { run: Run }) {
  const name = tagValue(run, 'mlflow.source.name');
  const type = tagValue(run, 'mlflow.source.type');
  const commit = tagValue(run, 'mlflow.source.git.commit');
  const branch = tagValue(run, 'mlflow.source.git.branch');
  if (!name && !type && !commit) return <>—</>;
  return (
    <>
      {name && <span className="mono">{name}</span>}
      {type && <span className="muted"> ({type})</span>}
      {commit && (
        <div className="muted">
          git <span className="mono">{commit.slice(0, 12)}</span>
          {branch ? ` on ${branch}` : ''}
        </div>
      )}
    </>
  );
}

function ChildRuns({ run }: { run: Run }) {
  const children = useAsync(
    () =>
      sdk().tracking.searchRuns([run.info.experimentId], {
        filter: `tags.mlflow.parentRunId = ${filterLiteral(run.info.runId)}`,
        maxResults: 100,
        orderBy: ['attributes.start_time ASC'],
      }),
    [run.info.runId, run.info.experimentId],
  );
  if (children.error) return <ErrorBanner title="Could not look up child runs" error={children.error} onRetry={children.reload} />;
  if (!children.data) return <span className="muted">…</span>;
  if (children.data.items.length === 0) return <>none</>;
  return (
    <ul className="plain-list">
      {children.data.items.map((c) => (
        <li key={c.info.runId}>
          <Link to={runLink(c.info)}>{runDisplayName(c)}</Link>
        </li>
      ))}
      {children.data.nextPageToken && <li className="muted">and more</li>}
    </ul>
  );
}

export function RunOverview({ run }: { run: Run }) {
  const info = run.info;
  const parentId = tagValue(run, 'mlflow.parentRunId');
  const user = info.userId || tagValue(run, 'mlflow.user');
  const note = tagValue(run, 'mlflow.note.content');
  const datasets = run.inputs.datasetInputs;
  return (
    <div className="overview">
      {note && <p className="run-note">{note}</p>}
      <dl className="facts">
        <dt>Run ID</dt>
        <dd className="mono">{info.runId}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`status status-${(info.status ?? 'unknown').toLowerCase()}`}>{info.status ?? '—'}</span>
          {info.lifecycleStage === 'deleted' && <span className="status status-failed">deleted</span>}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(info.startTime)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(info.endTime)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(runDuration(info.startTime, info.endTime))}</dd>
        <dt>User</dt>
        <dd>{user || '—'}</dd>
        <dt>Source</dt>
        <dd>
          <Source run={run} />
        </dd>
        <dt>Parent run</dt>
        <dd>{parentId ? <Link to={runLink({ experimentId: info.experimentId, runId: parentId })}>{parentId}</Link> : '—'}</dd>
        <dt>Child runs</dt>
        <dd>
          <ChildRuns run={run} />
        </dd>
        <dt>Model versions</dt>
        <dd>
          <RunModelVersions runId={info.runId} />
        </dd>
        <dt>Artifact location</dt>
        <dd className="mono">{info.artifactUri || '—'}</dd>
      </dl>
      <h2>Dataset inputs</h2>
      {datasets.length === 0 ? (
        <p className="muted">No datasets were logged for this run.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Digest</th>
              <th scope="col">Context</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d, i) => (
              <tr key={`${d.dataset.name}-${d.dataset.digest}-${i}`}>
                <td>{d.dataset.name || '—'}</td>
                <td className="mono">{d.dataset.digest ?? ''}</td>
                <td>{d.tags['mlflow.data.context'] ?? ''}</td>
                <td className="mono wrap">
                  {d.dataset.sourceType ? `${d.dataset.sourceType}: ` : ''}
                  {d.dataset.source ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
