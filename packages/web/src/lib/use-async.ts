import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` when `deps` change and keeps the latest answer. A change of deps aborts the request
 * in flight, so a slow old answer never overwrites a newer one. A failed reload (same deps: a
 * poll, a retry) keeps the data already shown beside the error, and polling that depends on that
 * data goes on; a failure for new deps shows the error alone (the old data is another entity's).
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadedFor = useRef<readonly unknown[] | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, error: undefined, loading: true }));
    load(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        loadedFor.current = deps;
        setState({ data, error: undefined, loading: false });
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        const error = e instanceof Error ? e : new Error(String(e));
        const sameDeps = loadedFor.current !== undefined && loadedFor.current.length === deps.length && loadedFor.current.every((d, i) => Object.is(d, deps[i]));
        setState((s) => ({ data: sameDeps ? s.data : undefined, error, loading: false }));
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
