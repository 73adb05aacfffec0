import type { LocatedNode } from './located-yaml.js';
import { childPath } from './problems.js';
import type { ProblemList } from './problems.js';

/** Deeper than any job settings object; the same bound the YAML reader applies. */
const MAX_DEPTH = 64;

/**
 * A parsed JSON value as the located tree the project validator reads, so job settings sent to the
 * Jobs API go through the very parser `modelyard.yaml` goes through: one set of rules, and every
 * problem names its field path (`tasks[1].depends_on[0].task_key`). JSON has no lines: locations
 * carry line 0, which formatters treat as "no line".
 */
export function locateJson(value: unknown, problems: ProblemList, path = '', depth = 0): LocatedNode {
  const at = { path, line: 0, column: 0 };
  if (depth > MAX_DEPTH) {
    problems.add(at, `nesting is too deep (more than ${MAX_DEPTH} levels)`);
    return { kind: 'scalar', at, value: null };
  }
  if (Array.isArray(value)) {
    return { kind: 'seq', at, items: value.map((item, i) => locateJson(item, problems, childPath(path, i), depth + 1)) };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = new Map<string, { keyAt: typeof at; value: LocatedNode }>();
    for (const [key, v] of Object.entries(value)) {
      const p = childPath(path, key);
      entries.set(key, { keyAt: { path: p, line: 0, column: 0 }, value: locateJson(v, problems, p, depth + 1) });
    }
    return { kind: 'map', at, entries };
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return { kind: 'scalar', at, value: value ?? null };
  }
  problems.add(at, `must be a JSON value, got ${typeof value}`);
  return { kind: 'scalar', at, value: null };
}
