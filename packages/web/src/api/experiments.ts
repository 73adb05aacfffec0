import { mlflowGet, mlflowPost } from './http.js';
import type { Experiment, ViewType } from './types.js';

export interface ExperimentPage {
  experiments: Experiment[];
  nextPageToken?: string;
}

export interface SearchExperimentsQuery {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export async function searchExperiments(q: SearchExperimentsQuery, signal?: AbortSignal): Promise<ExperimentPage> {
  const body = await mlflowPost<{ experiments?: Experiment[]; next_page_token?: string }>(
    '/experiments/search',
    {
      ...(q.filter ? { filter: q.filter } : {}),
      ...(q.orderBy ? { order_by: q.orderBy } : {}),
      max_results: q.maxResults ?? 100,
      ...(q.pageToken ? { page_token: q.pageToken } : {}),
      ...(q.viewType ? { view_type: q.viewType } : {}),
    },
    signal,
  );
  return { experiments: body.experiments ?? [], ...(body.next_page_token ? { nextPageToken: body.next_page_token } : {}) };
}

export async function getExperiment(experimentId: string, signal?: AbortSignal): Promise<Experiment> {
  const body = await mlflowGet<{ experiment: Experiment }>('/experiments/get', { experiment_id: experimentId }, signal);
  return body.experiment;
}
