import { InvalidParameterError } from '../../errors.js';
import { shellQuote, unsafeShellReferences } from '../pipelines/shell-references.js';
import type { EntryPoint } from './mlproject.js';

/**
 * An entry point's parameters and its shell command, as MLflow computes them
 * (`EntryPoint.compute_parameters` / `compute_command`): declared parameters take the given value
 * or their default, a missing one without default is an error, a `uri` must have a scheme, a
 * `path` must exist locally and becomes absolute, and every value is substituted into the
 * `{name}` placeholders as one shell word; parameters the entry point does not declare are
 * appended as `--name value`.
 *
 * MLflow's documentation says it checks that a `float` is a number, but its code does not (the
 * script fails later, after the run was created); here a `float` or `int` that is not one is
 * refused before anything runs, which is what the documentation promises.
 */

/** Python's `shlex.quote` alphabet: a word of only these characters needs no quotes in any shell context. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A value as the shell word MLflow substitutes (and logs as the run's parameter): unchanged when
 * it is a safe word, else single-quoted. MLflow's shlex.quote writes an embedded `'` as
 * `'"'"'`, shellQuote as `'\''`: the shell reads both as the same text.
 */
export function shellWord(value: string): string {
  return SAFE_WORD.test(value) ? value : shellQuote(value);
}

export interface ParameterValues {
  /** Declared parameters in the MLproject's order: the given value, else the default. */
  declared: Map<string, string>;
  /** Given parameters the entry point does not declare, in the order given. */
  extra: Map<string, string>;
}

const FLOAT = /^\s*[-+]?((\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?|nan|inf|infinity)\s*$/i;
const INT = /^\s*[-+]?\d[\d_]*\s*$/;
/** Python's urlparse finds a scheme: a letter, then letters, digits, `+ - .`, then `:`. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Values for every parameter, or an error naming each that is missing or not of its type. */
export function parameterValues(entryPoint: EntryPoint, given: ReadonlyMap<string, string>): ParameterValues {
  const declared = new Map<string, string>();
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const p of entryPoint.parameters) {
    const value = given.has(p.name) ? given.get(p.name)! : p.default;
    if (value === undefined) {
      missing.push(p.name);
      continue;
    }
    declared.set(p.name, value);
    const where = given.has(p.name) ? `-P ${p.name}=${value}` : `the default of ${p.name} (${value})`;
    if (p.type === 'float' && !FLOAT.test(value)) wrong.push(`${where} is not a number, and ${p.name} is a float`);
    else if (p.type === 'int' && !INT.test(value)) wrong.push(`${where} is not a whole number, and ${p.name} is an int`);
    else if (p.type === 'uri' && !URI.test(value)) wrong.push(`${where} is not a URI (scheme:…, e.g. file:///data/x.csv or s3://bucket/x), and ${p.name} is a uri`);
  }
  if (missing.length > 0) {
    throw new InvalidParameterError(
      `entry point '${entryPoint.name}' needs a value for ${missing.map((m) => `'${m}'`).join(', ')}, which has no default: pass ${missing.map((m) => `-P ${m}=…`).join(' ')}`,
    );
  }
  if (wrong.length > 0) throw new InvalidParameterError(`entry point '${entryPoint.name}': ${wrong.join('; ')}`);
  const extra = new Map<string, string>();
  for (const [k, v] of given) {
    if (declared.has(k)) continue;
    // MLflow appends `--<name>` unquoted; a name that is not a plain word would be shell syntax.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(k)) throw new InvalidParameterError(`-P ${k}=…: a parameter the entry point does not declare is passed as --${k}, so its name must be letters, digits, '_', '.' or '-'`);
    extra.set(k, v);
  }
  return { declared, extra };
}

/** The `path` parameters of the entry point, whose values the runner makes local and absolute. */
export function pathParameters(entryPoint: EntryPoint): string[] {
  return entryPoint.parameters.filter((p) => p.type === 'path').map((p) => p.name);
}

/** The params MLflow logs on the run: each value as the shell word it substitutes, declared first. */
export function loggedParameters(values: ParameterValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...values.declared, ...values.extra]) out[k] = shellWord(v);
  return out;
}

type Segment = { text: string } | { param: string };

/**
 * The command template read as Python's `str.format` reads it (MLflow calls
 * `command.format(**params)`): `{{` and `}}` are braces, `{name}` a placeholder. What `format`
 * would reject — a lone brace, a placeholder that names no parameter, `{0}`, `{x:spec}` — is
 * refused here with the entry point named.
 */
function parseTemplate(entryPoint: EntryPoint, names: ReadonlySet<string>): Segment[] {
  const t = entryPoint.command;
  const out: Segment[] = [];
  let text = '';
  const fail = (why: string) => new InvalidParameterError(`the command of entry point '${entryPoint.name}' ${why} (write a literal brace as {{ or }})`);
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === '}') {
      if (t[i + 1] !== '}') throw fail(`has a single '}' at character ${i + 1}`);
      text += '}';
      i++;
    } else if (c === '{') {
      if (t[i + 1] === '{') {
        text += '{';
        i++;
        continue;
      }
      const end = t.indexOf('}', i);
      if (end < 0) throw fail(`has a '{' at character ${i + 1} that is never closed`);
      const name = t.slice(i + 1, end);
      if (!names.has(name)) {
        const known = [...names];
        throw fail(`uses {${name}}, which is not a parameter of it (parameters: ${known.length ? known.join(', ') : 'none'})`);
      }
      if (text) out.push({ text });
      text = '';
      out.push({ param: name });
      i = end;
    } else text += c;
  }
  if (text) out.push({ text });
  return out;
}

/** Throws when the command template cannot be formatted (checked before anything runs). */
export function checkCommandTemplate(entryPoint: EntryPoint): void {
  parseTemplate(entryPoint, new Set(entryPoint.parameters.map((p) => p.name)));
}

/**
 * The shell command of the entry point with `values` (paths already made absolute). A value that
 * is not a safe word is single-quoted, and its placeholder must then stand in plain command text:
 * inside quotes, a comment or `$(( ))` the shell would not read the quoted word as one word of
 * data (shell-references.ts), so such a command is refused rather than run.
 */
export function entryPointCommand(entryPoint: EntryPoint, values: ParameterValues): string {
  const segments = parseTemplate(entryPoint, new Set(values.declared.keys()));
  // The scan of shell-references.ts, on the template with each placeholder that needs quoting
  // written as a `{{…}}` reference of its own.
  const needsQuotes = (name: string) => !SAFE_WORD.test(values.declared.get(name)!);
  let probe = '';
  segments.forEach((s, i) => (probe += 'text' in s ? s.text.replaceAll('{{', '{ {') : needsQuotes(s.param) ? `{{p${i}}}` : shellWord(values.declared.get(s.param)!)));
  const unsafe = unsafeShellReferences(probe);
  if (unsafe.length > 0) {
    const { ref, where } = unsafe[0]!;
    const s = segments[Number(ref.slice(1))] as { param: string };
    throw new InvalidParameterError(
      `the value of ${s.param} needs shell quotes, and {${s.param}} is ${where} in the command of entry point '${entryPoint.name}', where quotes would not keep it one word of data: ` +
        `write {${s.param}} outside any quotes in the MLproject command, or pass a value of only letters, digits and _ @ % + = : , . / -`,
    );
  }
  const command = segments.map((s) => ('text' in s ? s.text : shellWord(values.declared.get(s.param)!))).join('');
  return [command, ...[...values.extra].map(([k, v]) => `--${k} ${shellWord(v)}`)].join(' ');
}
