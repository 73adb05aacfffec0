import type { Run } from '../api/types.js';
import { jsonDouble } from '../api/types.js';

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
  const list = c.kind === 'metrics' ? run.data?.metrics : c.kind === 'params' ? run.data?.params : run.data?.tags;
  const found = list?.find((e) => e.key === c.key);
  if (!found) return undefined;
  return c.kind === 'metrics' ? jsonDouble((found as { value: number | 'NaN' | 'Infinity' | '-Infinity' }).value) : (found.value as string);
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
    for (const m of r.data?.metrics ?? []) metrics.add(m.key);
    for (const p of r.data?.params ?? []) params.add(p.key);
    for (const t of r.data?.tags ?? []) if (!t.key.startsWith('mlflow.')) tags.add(t.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) };
}

export function tagValue(run: Run, key: string): string | undefined {
  return run.data?.tags?.find((t) => t.key === key)?.value;
}

export function runDisplayName(run: Run): string {
  return run.info.run_name || tagValue(run, 'mlflow.runName') || run.info.run_id;
}
