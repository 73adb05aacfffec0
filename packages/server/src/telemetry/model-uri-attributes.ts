import { ATTR } from './attribute-names.js';

/** `models:/name/3`, `models:/name/Production`, `models:/name@champion` → model attributes. */
export function modelUriAttributes(uri: string | undefined): Record<string, string> {
  if (!uri) return {};
  const out: Record<string, string> = { [ATTR.modelUri]: uri };
  const m = /^models:\/([^@/]+)(?:@([^/]+)|\/([^/]+))$/.exec(uri);
  if (!m) return out;
  const [, name, alias, ref] = m;
  if (name!.startsWith('m-') && !alias && !ref) return out;
  out[ATTR.modelName] = decodeURIComponent(name!);
  if (alias) out[ATTR.modelAlias] = alias;
  else if (ref && /^\d+$/.test(ref)) out[ATTR.modelVersion] = ref;
  else if (ref) out[ATTR.modelStage] = ref;
  return out;
}

/** The model version a task's result names (a promote's `name`/`version`, an evaluation's challenger). */
export function resultModelAttributes(result: unknown): Record<string, string> {
  if (typeof result !== 'object' || result === null) return {};
  const r = result as Record<string, unknown>;
  const pick = (o: Record<string, unknown>): Record<string, string> =>
    typeof o.name === 'string' && (typeof o.version === 'string' || typeof o.version === 'number')
      ? { [ATTR.modelName]: o.name, [ATTR.modelVersion]: String(o.version) }
      : {};
  const top = pick(r);
  if (Object.keys(top).length > 0) return top;
  if (typeof r.challenger === 'object' && r.challenger !== null) return pick(r.challenger as Record<string, unknown>);
  return {};
}
