import { mlflowGet, mlflowPost } from './http.js';
import type { Run, ViewType } from './types.js';

export interface RunPage {
  runs: Run[];
  nextPageToken?: string;
}

export interface SearchRunsQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export async function searchRuns(q: SearchRunsQuery, signal?: AbortSignal): Promise<RunPage> {
  const body = await mlflowPost<{ runs?: Run[]; next_page_token?: string }>(
    '/runs/search',
    {
      experiment_ids: q.experimentIds,
      ...(q.filter ? { filter: q.filter } : {}),
      ...(q.orderBy && q.orderBy.length > 0 ? { order_by: q.orderBy } : {}),
      max_results: q.maxResults ?? 500,
      ...(q.pageToken ? { page_token: q.pageToken } : {}),
      ...(q.viewType ? { run_view_type: q.viewType } : {}),
    },
    signal,
  );
  return { runs: body.runs ?? [], ...(body.next_page_token ? { nextPageToken: body.next_page_token } : {}) };
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  return (await mlflowGet<{ run: Run }>('/runs/get', { run_id: runId }, signal)).run;
}

export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await mlflowPost('/runs/set-tag', { run_id: runId, key, value });
}

export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await mlflowPost('/runs/delete-tag', { run_id: runId, key });
}
