import { InvalidParameterError } from '../../errors.js';
import type { JobParameterSpec } from './project-model.js';

/**
 * Job parameters (defaults in the file, overridden per run) and Databricks-style dynamic value
 * references (`{{job.parameters.alpha}}`, `{{job.run_id}}`, `{{task.name}}`…) in command
 * arguments and environment values. In a command string every value becomes one shell-quoted
 * word (shell-references.ts).
 */
export const DYNAMIC_VALUES = ['job.id', 'job.name', 'job.run_id', 'job.repair_count', 'job.trigger.type', 'task.name', 'task.execution_count'] as const;

const REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Problems with the references in `text`: unknown names, unknown parameters. */
export function checkReferences(text: string, parameterNames: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    const ref = m[1]!;
    if (ref.startsWith('job.parameters.')) {
      const name = ref.slice('job.parameters.'.length);
      if (!parameterNames.has(name)) {
        out.push(`{{${ref}}} names no job parameter${parameterNames.size ? ` (parameters: ${[...parameterNames].join(', ')})` : ' (the job declares none)'}`);
      }
      continue;
    }
    if (!(DYNAMIC_VALUES as readonly string[]).includes(ref)) {
      out.push(`unknown reference {{${ref}}} (known: ${DYNAMIC_VALUES.join(', ')}, job.parameters.<name>)`);
    }
  }
  return out;
}

export interface ReferenceContext {
  values: Readonly<Record<(typeof DYNAMIC_VALUES)[number], string>>;
  parameters: Readonly<Record<string, string>>;
}

/** The value a reference names, or undefined when `ctx` has none (own properties only: `__proto__` is a valid parameter name). */
export function referenceValue(ref: string, ctx: ReferenceContext): string | undefined {
  if (ref.startsWith('job.parameters.')) {
    const name = ref.slice('job.parameters.'.length);
    return Object.hasOwn(ctx.parameters, name) ? ctx.parameters[name] : undefined;
  }
  return Object.hasOwn(ctx.values, ref) ? (ctx.values as Record<string, string>)[ref] : undefined;
}

/** Every `{{…}}` in `text`: its span and the name inside. */
export function findReferences(text: string): Array<{ start: number; end: number; ref: string }> {
  return [...text.matchAll(REFERENCE)].map((m) => ({ start: m.index, end: m.index + m[0].length, ref: m[1]! }));
}

/**
 * Replaces every reference with its raw value; unknown ones are left as written (validation has
 * reported them). Raw is right for argv elements, env values and paths, which no shell parses;
 * a command string goes through substituteShellReferences (shell-references.ts) instead.
 */
export function substituteReferences(text: string, ctx: ReferenceContext): string {
  return text.replace(REFERENCE, (whole, ref: string) => referenceValue(ref, ctx) ?? whole);
}

/** `['alpha=0.5', 'data=x=y']` → `{alpha: '0.5', data: 'x=y'}`; the first `=` splits. */
export function parseParameterAssignments(assignments: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`--param '${a}' must be written name=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** Defaults overridden by the run's values; a value for an undeclared parameter is an error, as in Databricks. */
export function resolveRunParameters(defs: readonly JobParameterSpec[], overrides: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of defs) out[d.name] = d.default;
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in out)) {
      const known = defs.map((d) => d.name);
      throw new InvalidParameterError(
        `job parameter '${k}' is not declared by the job${known.length ? ` (parameters: ${known.join(', ')})` : ' (it declares none)'}`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** `alpha` → `MODELYARD_PARAM_ALPHA`; characters an environment name cannot hold become `_`. */
export function parameterEnvName(name: string): string {
  return `MODELYARD_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}
