import YAML from 'yaml';
import type { Scalar } from 'yaml';
import { InvalidParameterError } from '../../errors.js';

/**
 * An `MLproject` file, read as MLflow's `mlflow/projects/_project_spec.py` reads it: the name,
 * one environment (`python_env`, `conda_env` or `docker_env`; else `python_env.yaml`, else
 * `conda.yaml` found in the folder, else the current Python), and entry points with typed
 * parameters and a command template. A folder without an `MLproject` is a project too (its .py
 * and .sh files are its entry points).
 */
export type ProjectEnvironment =
  | { kind: 'python_env'; file?: string }
  | { kind: 'conda_env'; file: string }
  | { kind: 'docker_env'; image: string; volumes: string[]; environment: Array<string | [string, string]> };

export interface EntryPointParameter {
  name: string;
  /** `string`, `float`, `int`, `path`, `uri`; MLflow runs any other type as a string. */
  type: string;
  /** As Python's `str()` prints the YAML value (what MLflow substitutes); absent: the parameter is required. */
  default?: string;
}

export interface EntryPoint {
  name: string;
  parameters: EntryPointParameter[];
  command: string;
}

export interface MlProject {
  name?: string;
  environment: ProjectEnvironment;
  entryPoints: Record<string, EntryPoint>;
}

/** What the parser needs to know of the project folder: whether a relative file exists. */
export interface ProjectFolder {
  exists(relativePath: string): boolean;
}

const ENV_FIELDS = ['python_env', 'conda_env', 'docker_env'] as const;

/** `text` is the MLproject file's content, or undefined when the folder has none. */
export function parseMlProject(text: string | undefined, folder: ProjectFolder): MlProject {
  const doc = text === undefined ? undefined : YAML.parseDocument(text, { uniqueKeys: false });
  if (doc && doc.errors.length > 0) throw new InvalidParameterError(`MLproject is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const top = doc?.contents ?? null;
  if (top !== null && !YAML.isMap(top)) throw new InvalidParameterError('MLproject must be a YAML mapping (name, python_env, entry_points…)');
  const root = (doc?.toJS() ?? {}) as Record<string, unknown>;
  const present = ENV_FIELDS.filter((f) => root[f] !== undefined && root[f] !== null);
  if (present.length > 1) throw new InvalidParameterError(`MLproject declares ${present.join(' and ')}: a project has one environment, keep one of them`);

  const entryPoints: Record<string, EntryPoint> = {};
  const eps = root.entry_points ?? {};
  if (typeof eps !== 'object' || Array.isArray(eps)) throw new InvalidParameterError('MLproject entry_points must be a mapping of entry point names to {parameters, command}');
  for (const [name, raw] of Object.entries(eps as Record<string, unknown>)) {
    const ep = (raw ?? {}) as Record<string, unknown>;
    if (typeof ep.command !== 'string' || ep.command.trim() === '') throw new InvalidParameterError(`MLproject entry point '${name}' has no command (entry_points.${name}.command)`);
    const params = (ep.parameters ?? {}) as Record<string, unknown>;
    if (typeof params !== 'object' || Array.isArray(params)) throw new InvalidParameterError(`MLproject entry_points.${name}.parameters must be a mapping of parameter names to a type or {type, default}`);
    const parameters: EntryPointParameter[] = [];
    for (const [pname, spec] of Object.entries(params)) {
      if (typeof spec === 'string') {
        parameters.push({ name: pname, type: spec });
        continue;
      }
      const s = (spec ?? {}) as Record<string, unknown>;
      const node = doc!.getIn(['entry_points', name, 'parameters', pname, 'default'], true) as Scalar | undefined;
      const value = pythonStr(node);
      parameters.push({ name: pname, type: typeof s.type === 'string' ? s.type : 'string', ...(value !== undefined ? { default: value } : {}) });
    }
    entryPoints[name] = { name, parameters, command: ep.command };
  }

  return { ...(typeof root.name === 'string' ? { name: root.name } : root.name != null ? { name: String(root.name) } : {}), environment: environmentOf(root, folder), entryPoints };
}

function environmentOf(root: Record<string, unknown>, folder: ProjectFolder): ProjectEnvironment {
  const docker = root.docker_env as Record<string, unknown> | undefined | null;
  if (docker) {
    if (typeof docker.image !== 'string' || !docker.image) throw new InvalidParameterError('MLproject docker_env has no image: write docker_env: {image: <name>}');
    const volumes = docker.volumes ?? [];
    if (!Array.isArray(volumes) || !volumes.every((v) => typeof v === 'string')) throw new InvalidParameterError('MLproject docker_env.volumes must be a list of strings, e.g. ["/path1/:/path1"]');
    const environment = docker.environment ?? [];
    if (!Array.isArray(environment) || !environment.every((v) => typeof v === 'string' || (Array.isArray(v) && v.length === 2))) {
      throw new InvalidParameterError('MLproject docker_env.environment must list variable names to copy, or [NAME, value] pairs');
    }
    return { kind: 'docker_env', image: docker.image, volumes: volumes as string[], environment: environment as Array<string | [string, string]> };
  }
  for (const field of ['python_env', 'conda_env'] as const) {
    const file = root[field];
    if (file === undefined || file === null || file === '') continue;
    if (typeof file !== 'string') throw new InvalidParameterError(`MLproject ${field} must name a file of the project, e.g. ${field}: ${field === 'python_env' ? 'python_env.yaml' : 'conda.yaml'}`);
    if (!folder.exists(file)) throw new InvalidParameterError(`MLproject names ${field} file ${file}, and the project has no such file`);
    return field === 'python_env' ? { kind: 'python_env', file } : { kind: 'conda_env', file };
  }
  if (folder.exists('python_env.yaml')) return { kind: 'python_env', file: 'python_env.yaml' };
  if (folder.exists('conda.yaml')) return { kind: 'conda_env', file: 'conda.yaml' };
  return { kind: 'python_env' };
}

/**
 * The entry point MLflow runs for `name`: one of the MLproject's, else a .py file (run with
 * `python`) or a .sh file (run with $SHELL, else bash) of the project.
 */
export function entryPointFor(project: MlProject, name: string, opts: { shell?: string; quote: (word: string) => string }): EntryPoint {
  const named = Object.hasOwn(project.entryPoints, name) ? project.entryPoints[name] : undefined;
  if (named) return named;
  if (name.endsWith('.py')) return { name, parameters: [], command: `python ${opts.quote(name)}` };
  if (name.endsWith('.sh')) return { name, parameters: [], command: `${opts.shell || 'bash'} ${opts.quote(name)}` };
  const known = Object.keys(project.entryPoints);
  throw new InvalidParameterError(
    `the project has no entry point '${name}' (entry points: ${known.length ? known.join(', ') : 'none'}), and '${name}' is not a .py or .sh script to run; pass -e with one of them`,
  );
}

/**
 * Python's `str()` of the value PyYAML reads for a default (what MLflow substitutes); undefined
 * for null (the parameter is then required). PyYAML reads YAML 1.1, whose plain scalars differ
 * from the 1.2 core schema parsed here (`yes` is true, `1e3` is text, `012` octal), so a plain
 * scalar is resolved from its source text with PyYAML's own patterns.
 */
function pythonStr(node: Scalar | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (!YAML.isScalar(node)) return JSON.stringify((node as { toJSON(): unknown }).toJSON());
  if (node.type !== 'PLAIN') return node.value === null || node.value === undefined ? undefined : String(node.value);
  const src = (node.source ?? String(node.value)).trim();
  if (/^(~|null|Null|NULL)?$/.test(src)) return undefined;
  if (/^(yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(src)) return 'True';
  if (/^(no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(src)) return 'False';
  const int = /^([-+]?)(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/.exec(src);
  if (int) {
    const digits = int[2]!.replaceAll('_', '');
    const n = BigInt(/^0[0-7]/.test(digits) ? `0o${digits.slice(1)}` : digits);
    return String(int[1] === '-' ? -n : n);
  }
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/.test(src) && /[0-9]/.test(src)) return pythonFloat(Number(src.replaceAll('_', '')));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(src)) return src.startsWith('-') ? '-inf' : 'inf';
  if (/^\.(nan|NaN|NAN)$/.test(src)) return 'nan';
  return src;
}

/** Python's `repr(float)`: `1.0`, `0.1`, `1e-05`, `1e+16`, `inf`, `nan`. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fixed = String(x);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}
