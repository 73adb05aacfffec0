import { useCallback, useEffect, useRef, useState } from 'react';
import type { Run } from '@modelyard/sdk/client';
import { sdk } from '../../sdk-client.js';

export interface RunPagesState {
  runs: Run[];
  /** Set while the server has more runs after the loaded ones. */
  hasMore: boolean;
  loading: boolean;
  error: Error | undefined;
  loadMore(): void;
  reload(): void;
}

/**
 * The first page is small so the first rows show at once (a screen holds ~25); later pages are
 * large to cut round trips.
 */
const FIRST_PAGE = 100;
const NEXT_PAGE = 1000;

/**
 * Runs of one experiment, page after page through next_page_token as the table scrolls. A new
 * query (filter, order) drops the loaded pages and aborts any request in flight.
 */
export function useRunPages(experimentId: string, filter: string, orderBy: string[]): RunPagesState {
  const [runs, setRuns] = useState<Run[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | undefined>();
  const [generation, setGeneration] = useState(0);
  const ctlRef = useRef<AbortController | null>(null);
  // The page being fetched: scroll events arrive faster than React re-renders `loading`, and a
  // token fetched twice would append its page twice.
  const inFlightRef = useRef<string | undefined>(undefined);
  const requestedRef = useRef(new Set<string>());
  const orderKey = orderBy.join('\u0000');

  const fetchPage = useCallback(
    async (pageToken: string | undefined, ctl: AbortController) => {
      inFlightRef.current = pageToken ?? '';
      setLoading(true);
      setError(undefined);
      try {
        const page = await sdk().tracking.searchRuns([experimentId], {
          ...(filter ? { filter } : {}),
          ...(orderBy.length > 0 ? { orderBy } : {}),
          maxResults: pageToken ? NEXT_PAGE : FIRST_PAGE,
          ...(pageToken ? { pageToken } : {}),
        });
        if (ctl.signal.aborted) return;
        setRuns((prev) => (pageToken ? prev.concat(page.items) : page.items));
        setToken(page.nextPageToken);
      } catch (e) {
        if (ctl.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (!ctl.signal.aborted) {
          inFlightRef.current = undefined;
          setLoading(false);
        }
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [experimentId, filter, orderKey],
  );

  useEffect(() => {
    const ctl = new AbortController();
    ctlRef.current = ctl;
    requestedRef.current = new Set();
    setRuns([]);
    setToken(undefined);
    void fetchPage(undefined, ctl);
    return () => ctl.abort();
  }, [fetchPage, generation]);

  const loadMore = useCallback(() => {
    const ctl = ctlRef.current;
    if (!ctl || loading || !token || error || inFlightRef.current !== undefined || requestedRef.current.has(token)) return;
    requestedRef.current.add(token);
    void fetchPage(token, ctl);
  }, [fetchPage, loading, token, error]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { runs, hasMore: token !== undefined, loading, error, loadMore, reload };
}
