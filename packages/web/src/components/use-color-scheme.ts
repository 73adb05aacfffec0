import { useEffect, useState } from 'react';

export type ColorScheme = 'light' | 'dark';

const QUERY = '(prefers-color-scheme: dark)';

/** The system's colour scheme, live: charts redraw with the new palette when it flips. */
export function useColorScheme(): ColorScheme {
  const [scheme, setScheme] = useState<ColorScheme>(() => (window.matchMedia(QUERY).matches ? 'dark' : 'light'));
  useEffect(() => {
    const mq = window.matchMedia(QUERY);
    const onChange = () => setScheme(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  return scheme;
}

/** Line colours that read on both backgrounds. */
export const SERIES_COLORS = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#eab308', '#06b6d4', '#ec4899', '#84cc16', '#64748b'];

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}

export function chartTheme(scheme: ColorScheme): { axis: string; grid: string } {
  return scheme === 'dark' ? { axis: '#a3acb9', grid: 'rgba(255,255,255,0.08)' } : { axis: '#4b5563', grid: 'rgba(0,0,0,0.07)' };
}
