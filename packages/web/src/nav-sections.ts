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
  { label: 'Models', path: '/models', pending: 'arrives with the model registry API' },
  { label: 'Jobs', path: '/jobs', pending: 'arrives with the jobs API' },
  { label: 'Serving', path: '/serving', pending: 'arrives with the serving API' },
  { label: 'Traces', path: '/traces', pending: 'arrives with the traces API' },
];
