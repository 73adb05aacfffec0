import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

function sameDeps(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  return a !== undefined && a.length === b.length && a.every((d, i) => Object.is(d, b[i]));
}

/**
 * Runs `load` when `deps` change and keeps the latest answer. A change of deps aborts the request
 * in flight, so a slow old answer never overwrites a newer one.
 *
 * A reload for the same deps (a poll, a retry) never blanks the page: the data already shown
 * stays beside the error of a failed reload, and an error stays shown until an answer replaces
 * it, so polling that fails repeatedly does not make the banner flicker. A failure for new deps
 * shows the error alone (the old data is another entity's).
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  // The deps the shown data was loaded for, and those of the last answer (data or error).
  const dataFor = useRef<readonly unknown[] | undefined>(undefined);
  const answeredFor = useRef<readonly unknown[] | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    const again = sameDeps(answeredFor.current, deps);
    setState((s) => ({ data: s.data, error: again ? s.error : undefined, loading: true }));
    load(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        dataFor.current = deps;
        answeredFor.current = deps;
        setState({ data, error: undefined, loading: false });
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        answeredFor.current = deps;
        const error = e instanceof Error ? e : new Error(String(e));
        const keep = sameDeps(dataFor.current, deps);
        setState((s) => ({ data: keep ? s.data : undefined, error, loading: false }));
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
