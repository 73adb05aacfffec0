import { Link } from 'react-router';
import type { RegistryEvent } from '@modelyard/sdk/client';
import { formatTime } from '../../lib/format.js';
import { versionLink } from './registry-links.js';

const KIND_LABELS: Record<string, string> = {
  model_created: 'Model created',
  model_renamed: 'Model renamed',
  model_deleted: 'Model deleted',
  version_created: 'Version created',
  version_deleted: 'Version deleted',
  stage_transition: 'Stage changed',
  alias_set: 'Alias set',
  alias_deleted: 'Alias removed',
  transition_requested: 'Transition requested',
  transition_approved: 'Request approved',
  transition_rejected: 'Request rejected',
  transition_cancelled: 'Request cancelled',
};

export function eventLabel(e: RegistryEvent): string {
  const label = KIND_LABELS[e.kind] ?? e.kind;
  return e.alias ? `${label} @${e.alias}` : label;
}

/** `from → to` as the event records it: stages for transitions, versions for alias moves. */
function change(e: RegistryEvent): string {
  const show = (v: string | undefined) => (v === undefined || v === '' ? '—' : e.kind.startsWith('alias') ? `version ${v}` : v);
  if (e.from === undefined && e.to === undefined) return '';
  return `${show(e.from)} → ${show(e.to)}`;
}

/** The registry's audit trail, newest first: who changed what, from what to what, and why. */
export function RegistryHistory({ events, showVersion }: { events: readonly RegistryEvent[]; showVersion: boolean }) {
  if (events.length === 0) return <p className="muted">No changes recorded yet.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table history-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            {showVersion && <th scope="col">Version</th>}
            <th scope="col">Change</th>
            <th scope="col">From → to</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.eventId} data-kind={e.kind}>
              <td>{formatTime(e.timestamp)}</td>
              {showVersion && <td>{e.version ? <Link to={versionLink(e.name, e.version)}>{e.version}</Link> : '—'}</td>}
              <td>{eventLabel(e)}</td>
              <td>{change(e)}</td>
              <td>{e.actor}</td>
              <td className="wrap">{e.comment ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
