/** Addresses of the jobs views. */
export function jobLink(jobId: number | string): string {
  return `/jobs/${encodeURIComponent(String(jobId))}`;
}

export function jobRunLink(runId: number | string): string {
  return `/jobs/runs/${encodeURIComponent(String(runId))}`;
}

/** CSS class of a job run, task or attempt state: one colour scheme for badges, DAG nodes and bars. */
export function stateClass(state: string | undefined): string {
  switch (state) {
    case 'SUCCESS':
      return 'state-success';
    case 'SUCCESS_WITH_FAILURES':
      return 'state-partial';
    case 'FAILED':
    case 'TIMEDOUT':
    case 'UPSTREAM_FAILED':
    case 'LOST':
      return 'state-failed';
    case 'RUNNING':
      return 'state-running';
    case 'QUEUED':
    case 'PENDING':
    case 'WAITING_FOR_RETRY':
      return 'state-waiting';
    default:
      return 'state-inactive';
  }
}

export function StateBadge({ state }: { state: string | undefined }) {
  return <span className={`status ${stateClass(state)}`}>{state ?? '—'}</span>;
}
