/** Addresses of the jobs views. */
export function jobLink(jobId: number | string): string {
  return `/jobs/${encodeURIComponent(String(jobId))}`;
}

export function jobRunLink(runId: number | string): string {
  return `/jobs/runs/${encodeURIComponent(String(runId))}`;
}

/** A job or job run id from an address; anything else is an error that says what was wrong. */
export function idFromPath(text: string, what: 'job' | 'job run'): number {
  if (!/^\d+$/.test(text)) throw new Error(`'${text}' is not a ${what} id: ${what} ids are whole numbers, as in /jobs/runs/42`);
  return Number(text);
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
