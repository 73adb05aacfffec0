/** The task graph of a job: dependency order, cycles and downstream closures. Pure. */
export interface DagNode {
  taskKey: string;
  dependsOn: readonly string[];
}

export interface Dag {
  /** Keys in an order where every task comes after its dependencies (stable: file order breaks ties). */
  order: string[];
  dependants: Map<string, string[]>;
  dependencies: Map<string, readonly string[]>;
}

/**
 * A cycle as a closed path (`a → b → c → a`: each task depends on the next, the first key repeated
 * at the end), or undefined.
 * Dependencies on unknown keys are ignored here; validation reports them separately.
 */
export function findCycle(nodes: readonly DagNode[]): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.taskKey, n.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    state.set(key, 'visiting');
    stack.push(key);
    for (const d of deps.get(key) ?? []) {
      if (!deps.has(d)) continue;
      const s = state.get(d);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
      if (s === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(key, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.has(n.taskKey)) continue;
    const found = visit(n.taskKey);
    if (found) return found;
  }
  return undefined;
}

/** Builds the DAG; throws if it has a cycle or an unknown dependency (validated projects have neither). */
export function buildDag(nodes: readonly DagNode[]): Dag {
  const dependencies = new Map(nodes.map((n) => [n.taskKey, n.dependsOn]));
  const dependants = new Map<string, string[]>(nodes.map((n) => [n.taskKey, []]));
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      const list = dependants.get(d);
      if (!list) throw new Error(`task '${n.taskKey}' depends on unknown task '${d}'`);
      list.push(n.taskKey);
    }
  }
  const cycle = findCycle(nodes);
  if (cycle) throw new Error(`tasks form a cycle: ${cycle.join(' → ')}`);
  // Kahn's algorithm, seeded in file order so the order is deterministic.
  const remaining = new Map(nodes.map((n) => [n.taskKey, n.dependsOn.length]));
  const ready = nodes.filter((n) => n.dependsOn.length === 0).map((n) => n.taskKey);
  const position = new Map(nodes.map((n, i) => [n.taskKey, i]));
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const key = ready.shift()!;
    order.push(key);
    for (const next of dependants.get(key)!) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return { order, dependants, dependencies };
}

/** `roots` and every task that depends on them, directly or not. */
export function downstreamOf(dag: Dag, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (out.has(key)) continue;
    out.add(key);
    queue.push(...(dag.dependants.get(key) ?? []));
  }
  return out;
}

/** Tasks nothing depends on: the job result is judged on them (as Databricks does). */
export function leavesOf(dag: Dag): string[] {
  return dag.order.filter((k) => (dag.dependants.get(k) ?? []).length === 0);
}
