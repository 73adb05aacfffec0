import type { Stage } from '@modelyard/sdk/client';

export const MODEL_STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Addresses of the registry views, so every page links the same way. */
export function modelLink(name: string): string {
  return `/models/${encodeURIComponent(name)}`;
}

export function versionLink(name: string, version: string): string {
  return `${modelLink(name)}/versions/${encodeURIComponent(version)}`;
}

/**
 * Plain words search model names (`name ILIKE '%words%'`); text that looks like the filter grammar
 * (an operator, or `name`/`tags.` first) is sent as typed, so `tags.team = 'fraud'` works too.
 */
export function modelFilter(q: string): string | undefined {
  const text = q.trim();
  if (text === '') return undefined;
  if (/(=|<|>|\bI?LIKE\b|^\s*(name\b|tags?\.))/i.test(text)) return text;
  return `name ILIKE '%${text.replace(/'/g, '')}%'`;
}
