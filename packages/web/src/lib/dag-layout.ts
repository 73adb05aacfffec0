/**
 * A layered layout for a job's task graph: each task sits one column right of its deepest
 * dependency (longest path from a root), and tasks in a column are ordered by the mean row of
 * their dependencies so edges cross as little as a single sweep allows. Jobs have tens of tasks,
 * so this is plenty; a general graph-drawing library would cost more than the whole page.
 */
export interface DagNodeInput {
  key: string;
  dependsOn: readonly string[];
}

export interface DagNode {
  key: string;
  column: number;
  row: number;
}

export interface DagEdge {
  from: string;
  to: string;
}

export interface DagLayout {
  nodes: DagNode[];
  edges: DagEdge[];
  columns: number;
  rows: number;
}

export function layoutDag(tasks: readonly DagNodeInput[]): DagLayout {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (key: string): number => {
    const known = column.get(key);
    if (known !== undefined) return known;
    // A cycle cannot be deployed (validate rejects it); if one arrives anyway, cut it here.
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const deps = (byKey.get(key)?.dependsOn ?? []).filter((d) => byKey.has(d));
    const c = deps.length === 0 ? 0 : Math.max(...deps.map(columnOf)) + 1;
    visiting.delete(key);
    column.set(key, c);
    return c;
  };
  for (const t of tasks) columnOf(t.key);

  const columns: string[][] = [];
  for (const t of tasks) (columns[column.get(t.key)!] ??= []).push(t.key);
  const row = new Map<string, number>();
  columns.forEach((keys, c) => {
    const weight = (key: string, index: number) => {
      const deps = (byKey.get(key)?.dependsOn ?? []).filter((d) => row.has(d));
      return deps.length === 0 ? index : deps.reduce((s, d) => s + row.get(d)!, 0) / deps.length;
    };
    const ordered = c === 0 ? keys : keys.map((k, i) => ({ k, w: weight(k, i), i })).sort((a, b) => a.w - b.w || a.i - b.i).map((x) => x.k);
    ordered.forEach((k, i) => row.set(k, i));
  });

  const nodes = tasks.map((t) => ({ key: t.key, column: column.get(t.key)!, row: row.get(t.key)! }));
  const edges = tasks.flatMap((t) => t.dependsOn.filter((d) => byKey.has(d)).map((d) => ({ from: d, to: t.key })));
  return { nodes, edges, columns: columns.length, rows: Math.max(0, ...columns.map((c) => c?.length ?? 0)) };
}
