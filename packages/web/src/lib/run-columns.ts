import type { Run } from '@modelyard/sdk/client';

export type ColumnKind = 'metrics' | 'params' | 'tags';

export interface DataColumn {
  kind: ColumnKind;
  key: string;
}

/** `metrics.roc_auc` → {kind, key}; the same spelling the URL and MLflow's order_by use. */
export function parseColumn(id: string): DataColumn | undefined {
  const dot = id.indexOf('.');
  if (dot < 0) return undefined;
  const kind = id.slice(0, dot);
  if (kind !== 'metrics' && kind !== 'params' && kind !== 'tags') return undefined;
  return { kind, key: id.slice(dot + 1) };
}

export function columnId(c: DataColumn): string {
  return `${c.kind}.${c.key}`;
}

/**
 * An identifier as MLflow's search grammar wants it: keys that are not plain identifiers are
 * quoted with backticks (`metrics.\`f1 score\``).
 */
export function searchIdentifier(c: DataColumn): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(c.key) ? `${c.kind}.${c.key}` : `${c.kind}.\`${c.key}\``;
}

export function columnValue(run: Run, c: DataColumn): string | number | undefined {
  const values: Record<string, string | number> = run.data[c.kind];
  return Object.hasOwn(values, c.key) ? values[c.key] : undefined;
}

export interface AvailableKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Every metric/param/tag key seen in `runs`, sorted; system tags (mlflow.*) are left out. */
export function availableKeys(runs: readonly Run[]): AvailableKeys {
  const metrics = new Set<string>();
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const r of runs) {
    for (const key of Object.keys(r.data.metrics)) metrics.add(key);
    for (const key of Object.keys(r.data.params)) params.add(key);
    for (const key of Object.keys(r.data.tags)) if (!key.startsWith('mlflow.')) tags.add(key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) };
}

export function tagValue(run: Run, key: string): string | undefined {
  return Object.hasOwn(run.data.tags, key) ? run.data.tags[key] : undefined;
}

export function runDisplayName(run: Run): string {
  return run.info.runName || tagValue(run, 'mlflow.runName') || run.info.runId;
}
