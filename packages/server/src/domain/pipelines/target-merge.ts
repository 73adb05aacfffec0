import type { LocatedMap, LocatedNode, LocatedSeq } from './located-yaml.js';

/**
 * Applies a target's overrides to the top-level project, the way Databricks Asset Bundles do:
 * mappings merge key by key, lists of tasks merge by `task_key` and lists of parameters by `name`,
 * any other value is replaced. Every node keeps the location it was written at, so a problem in
 * an override points at the target's line, not at the base value it replaced.
 */
export function mergeOverride(base: LocatedNode | undefined, override: LocatedNode): LocatedNode {
  if (!base) return override;
  if (base.kind === 'map' && override.kind === 'map') return mergeMaps(base, override);
  if (base.kind === 'seq' && override.kind === 'seq') {
    const identity = identityKeyOf(base) ?? identityKeyOf(override);
    if (identity) return mergeByIdentity(base, override, identity);
  }
  return override;
}

function mergeMaps(base: LocatedMap, override: LocatedMap): LocatedMap {
  const entries: LocatedMap['entries'] = new Map(base.entries);
  for (const [k, e] of override.entries) {
    const prior = entries.get(k);
    entries.set(k, { keyAt: e.keyAt, value: mergeOverride(prior?.value, e.value) });
  }
  return { kind: 'map', at: base.at, entries };
}

const IDENTITY_KEYS = ['task_key', 'name'] as const;

function identityOf(node: LocatedNode, key: string): string | undefined {
  if (node.kind !== 'map') return undefined;
  const v = node.entries.get(key)?.value;
  return v?.kind === 'scalar' && v.value !== null ? String(v.value) : undefined;
}

function identityKeyOf(seq: LocatedSeq): string | undefined {
  if (seq.items.length === 0) return undefined;
  return IDENTITY_KEYS.find((k) => seq.items.every((item) => identityOf(item, k) !== undefined));
}

function mergeByIdentity(base: LocatedSeq, override: LocatedSeq, key: string): LocatedSeq {
  const items = [...base.items];
  for (const item of override.items) {
    const id = identityOf(item, key);
    const at = id === undefined ? -1 : items.findIndex((b) => identityOf(b, key) === id);
    if (at >= 0) items[at] = mergeOverride(items[at], item);
    else items.push(item);
  }
  return { kind: 'seq', at: base.at, items };
}
