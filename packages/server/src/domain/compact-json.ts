/**
 * Drops undefined and null fields and empty lists (and, when asked, empty objects), as MLflow's
 * protobuf JSON omits unset fields: the one rule every JSON answer here follows.
 */
export function compact<T extends Record<string, unknown>>(obj: T, opts: { dropEmptyObjects?: boolean } = {}): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (opts.dropEmptyObjects && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as Partial<T>;
}
