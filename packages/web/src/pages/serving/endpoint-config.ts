import type { ServingEndpoint, ServingEndpointConfig } from '@modelyard/sdk/client';

/** One row of the endpoint form: a served model and its share of the traffic (text as typed). */
export interface ServedModelRow {
  name: string;
  modelUri: string;
  percentage: string;
}

export function rowsOf(endpoint: ServingEndpoint | undefined): ServedModelRow[] {
  if (!endpoint) return [{ name: 'champion', modelUri: '', percentage: '100' }];
  const share = new Map(endpoint.traffic.map((r) => [r.servedModelName, r.percentage]));
  return endpoint.servedModels.map((s) => ({ name: s.name, modelUri: s.modelUri, percentage: String(share.get(s.name) ?? 0) }));
}

/**
 * What is wrong with the form, first problem first, or the config to send. The server checks the
 * same rules (and that each model URI resolves); checking here lets the form say so as you type.
 */
export function configOf(rows: readonly ServedModelRow[]): { problem: string } | { config: ServingEndpointConfig } {
  if (rows.length === 0) return { problem: 'Add at least one served model.' };
  const seen = new Set<string>();
  let total = 0;
  for (const [i, r] of rows.entries()) {
    const which = `Served model ${i + 1}`;
    if (!r.name.trim()) return { problem: `${which} needs a name.` };
    if (seen.has(r.name.trim())) return { problem: `Two served models are named “${r.name.trim()}”; names must differ.` };
    seen.add(r.name.trim());
    if (!r.modelUri.trim()) return { problem: `${which} needs a model URI, such as models:/name@champion.` };
    const pct = Number(r.percentage);
    if (r.percentage.trim() === '' || !Number.isInteger(pct) || pct < 0 || pct > 100) return { problem: `${which}: traffic must be a whole number from 0 to 100.` };
    total += pct;
  }
  if (total !== 100) return { problem: `Traffic adds up to ${total}%; it must add up to 100%.` };
  return {
    config: {
      servedModels: rows.map((r) => ({ name: r.name.trim(), modelUri: r.modelUri.trim() })),
      traffic: rows.map((r) => ({ servedModelName: r.name.trim(), percentage: Number(r.percentage) })),
    },
  };
}
