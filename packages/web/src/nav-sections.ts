/**
 * The UI's top-level areas. Areas whose server API has not landed yet are listed, not linked:
 * each gets its route here when its API exists (registry, jobs, serving, traces).
 */
export interface NavSection {
  label: string;
  path: string;
  /** Why the area is not there yet; undefined when it is available. */
  pending?: string;
}

export const NAV_SECTIONS: readonly NavSection[] = [
  { label: 'Experiments', path: '/experiments' },
  { label: 'Models', path: '/models' },
  { label: 'Jobs', path: '/jobs' },
  { label: 'Serving', path: '/serving' },
  { label: 'Traces', path: '/traces' },
];
