import { mlflowGet } from './http.js';
import type { Metric } from './types.js';

/** The server's ceiling on get-history-bulk-interval's max_results (MLflow's is the same). */
export const MAX_SAMPLED_POINTS_PER_RUN = 2500;
/** The server's page-size ceiling for get-history. */
const HISTORY_PAGE_SIZE = 25000;

/**
 * A sampled view of one metric for up to 100 runs: the server keeps the first and last steps and
 * spreads the rest evenly, so a chart of a million-step metric costs a few thousand points.
 */
export async function getSampledHistory(
  runIds: string[],
  metricKey: string,
  opts: { maxResults?: number; startStep?: number; endStep?: number } = {},
  signal?: AbortSignal,
): Promise<Metric[]> {
  const body = await mlflowGet<{ metrics?: Metric[] }>(
    '/metrics/get-history-bulk-interval',
    {
      run_ids: runIds,
      metric_key: metricKey,
      max_results: opts.maxResults ?? 1000,
      start_step: opts.startStep,
      end_step: opts.endStep,
    },
    signal,
  );
  return body.metrics ?? [];
}

/** Every point of one run's metric, paging through get-history. */
export async function getFullHistory(runId: string, metricKey: string, signal?: AbortSignal): Promise<Metric[]> {
  const out: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const body = await mlflowGet<{ metrics?: Metric[]; next_page_token?: string }>(
      '/metrics/get-history',
      { run_id: runId, metric_key: metricKey, max_results: HISTORY_PAGE_SIZE, page_token: pageToken },
      signal,
    );
    for (const m of body.metrics ?? []) out.push(m);
    pageToken = body.next_page_token || undefined;
  } while (pageToken);
  return out;
}
