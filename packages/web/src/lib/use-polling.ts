import { useEffect, useRef } from 'react';

/**
 * Calls `tick` every `intervalMs` while `active`, and not while the tab is hidden (a forgotten
 * tab must not poll a server all night). The latest `tick` is always the one called.
 */
export function usePolling(tick: () => void, intervalMs: number, active: boolean): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') tickRef.current();
    }, intervalMs);
    return () => window.clearInterval(id);
  }, [active, intervalMs]);
}
