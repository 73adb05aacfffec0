import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * One URL query parameter as state, so every view is shareable by its address. Setting a value
 * to '' or undefined removes the parameter; `replace` keeps typing out of the history.
 */
export function useQueryParam(name: string): [string, (value: string | undefined, opts?: { replace?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? '';
  const set = useCallback(
    (v: string | undefined, opts: { replace?: boolean } = {}) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (v === undefined || v === '') next.delete(name);
          else next.set(name, v);
          return next;
        },
        { replace: opts.replace ?? false },
      );
    },
    [name, setParams],
  );
  return [value, set];
}

/** A quoted string literal for MLflow's filter grammar. */
export function filterLiteral(s: string): string {
  return s.includes("'") ? `"${s.replace(/"/g, '')}"` : `'${s}'`;
}
