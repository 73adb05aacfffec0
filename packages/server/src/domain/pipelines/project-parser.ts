import { FieldReader, readerFor } from './field-reader.js';
import { parseJob } from './job-parser.js';
import { describeKind, parseLocatedYaml } from './located-yaml.js';
import type { LocatedMap, LocatedNode } from './located-yaml.js';
import { ProblemList } from './problems.js';
import type { ProjectProblem } from './problems.js';
import type { ExperimentSpec, JobSpec, ProjectSpec, RegisteredModelSpec, ServingEndpointSpec, SyncSpec, WorkspaceSpec } from './project-model.js';
import { mergeOverride } from './target-merge.js';

/** What a target may override: everything but the project's identity and the targets themselves. */
const OVERRIDABLE = ['workspace', 'experiments', 'registered_models', 'serving_endpoints', 'jobs', 'sync'];
const TOP_LEVEL = ['project', ...OVERRIDABLE, 'targets'];
const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;

export interface ProjectLoadResult {
  /** Set only when there are no problems. */
  spec?: ProjectSpec;
  problems: ProjectProblem[];
  /** The target applied (`-t`, or the one marked `default: true`). */
  target?: string;
}

export interface ProjectLoadOptions {
  /** Apply this target. Without it the target marked `default: true` applies, if any. */
  target?: string;
  /**
   * Also validate every other target merged onto the project (what `modelyard validate` without
   * `-t` does), so a mistake in `targets.prod` is found before anyone deploys prod.
   */
  checkAllTargets?: boolean;
}

/** Parses and validates `modelyard.yaml` text. Never throws for bad input: everything wrong is in `problems`. */
export function loadProject(text: string, opts: ProjectLoadOptions = {}): ProjectLoadResult {
  const { root, problems } = parseLocatedYaml(text);
  if (!root) {
    if (problems.size === 0) problems.add({ path: '', line: 1, column: 1 }, 'the project file is empty');
    return { problems: problems.list() };
  }
  if (root.kind !== 'map') {
    problems.add(root.at, `the project file must be a mapping with project, jobs, targets…, got ${describeKind(root)}`);
    return { problems: problems.list() };
  }
  const top = new FieldReader(root, problems);
  top.only(TOP_LEVEL, 'the project file');
  const targets = readTargets(top, problems);
  let target = opts.target;
  if (target !== undefined && !targets.has(target)) {
    problems.add(top.node('targets')?.at ?? root.at, `unknown target '${target}'${targets.size ? ` (targets: ${[...targets.keys()].join(', ')})` : ' (the project declares no targets)'}`);
    return { problems: problems.list() };
  }
  target ??= [...targets].find(([, t]) => t.isDefault)?.[0];
  const effective = target !== undefined ? applyTarget(root, targets.get(target)!.overrides) : root;
  const spec = buildSpec(effective, problems, [...targets.keys()], target);
  if (opts.checkAllTargets) {
    if (target !== undefined) buildSpec(root, problems, [], undefined);
    for (const [name, t] of targets) if (name !== target) buildSpec(applyTarget(root, t.overrides), problems, [], name);
  }
  const list = problems.list();
  return { problems: list, ...(target !== undefined ? { target } : {}), ...(list.length === 0 && spec ? { spec } : {}) };
}

interface TargetEntry {
  isDefault: boolean;
  overrides: LocatedMap | undefined;
}

function readTargets(top: FieldReader, problems: ProblemList): Map<string, TargetEntry> {
  const out = new Map<string, TargetEntry>();
  const node = top.map('targets');
  if (!node) return out;
  let defaultName: string | undefined;
  for (const [name, e] of node.entries) {
    if (!KEY_PATTERN.test(name)) problems.add(e.keyAt, `target name '${name}' must start with a letter and hold letters, digits, '_' or '-'`);
    if (e.value.kind === 'scalar' && e.value.value === null) {
      out.set(name, { isDefault: false, overrides: undefined });
      continue;
    }
    const r = readerFor(e.value, problems, `target '${name}'`);
    if (!r) continue;
    r.only(['default', ...OVERRIDABLE], `target '${name}'`);
    const isDefault = r.boolean('default') ?? false;
    if (isDefault) {
      if (defaultName !== undefined) problems.add(r.node('default')!.at, `targets '${defaultName}' and '${name}' are both marked default: true`);
      defaultName ??= name;
    }
    const entries: LocatedMap['entries'] = new Map([...r.source.entries].filter(([k]) => k !== 'default'));
    out.set(name, { isDefault, overrides: { kind: 'map', at: r.source.at, entries } });
  }
  return out;
}

function applyTarget(root: LocatedMap, overrides: LocatedMap | undefined): LocatedMap {
  if (!overrides) return root;
  const withoutTargets: LocatedMap = { kind: 'map', at: root.at, entries: new Map([...root.entries].filter(([k]) => k !== 'targets')) };
  return mergeOverride(withoutTargets, overrides) as LocatedMap;
}

function buildSpec(root: LocatedMap, problems: ProblemList, targetNames: string[], target: string | undefined): ProjectSpec | undefined {
  const top = new FieldReader(root, problems);
  const before = problems.size;
  const projectMap = top.map('project', { required: true });
  let name: string | undefined;
  if (projectMap) {
    const pr = new FieldReader(projectMap, problems);
    pr.only(['name'], 'project');
    name = pr.string('name', { required: true });
  }
  const workspace = readWorkspace(top, problems);
  const experiments = readKeyed(top, 'experiments', problems, (key, r): ExperimentSpec => {
    r.only(['name', 'artifact_location', 'tags'], 'an experiment');
    const artifactLocation = r.string('artifact_location');
    return { key, name: r.string('name') ?? key, tags: r.stringMap('tags'), ...(artifactLocation ? { artifactLocation } : {}) };
  });
  const registeredModels = readKeyed(top, 'registered_models', problems, (key, r): RegisteredModelSpec => {
    r.only(['name', 'description', 'tags'], 'a registered model');
    const description = r.string('description');
    return { key, name: r.string('name') ?? key, tags: r.stringMap('tags'), ...(description ? { description } : {}) };
  });
  const servingEndpoints = readKeyed(top, 'serving_endpoints', problems, (key, r): ServingEndpointSpec => {
    r.only(['name', 'model_uri', 'description'], 'a serving endpoint');
    const modelUri = r.string('model_uri');
    const description = r.string('description');
    return { key, name: r.string('name') ?? key, ...(modelUri ? { modelUri } : {}), ...(description ? { description } : {}) };
  });
  const ctx = { experimentKeys: new Set(Object.keys(experiments)), servingEndpointKeys: new Set(Object.keys(servingEndpoints)) };
  const jobs: Record<string, JobSpec> = {};
  const jobsNode = top.map('jobs');
  for (const [key, e] of jobsNode?.entries ?? []) {
    if (!KEY_PATTERN.test(key)) problems.add(e.keyAt, `job key '${key}' must start with a letter and hold letters, digits, '_' or '-'`);
    const job = parseJob(key, e.value, problems, ctx);
    if (job) jobs[key] = job;
  }
  const sync = readSync(top, problems);
  if (problems.size > before || name === undefined) return undefined;
  return { name, targetNames, workspace, experiments, registeredModels, servingEndpoints, jobs, ...(sync ? { sync } : {}), ...(target !== undefined ? { target } : {}) };
}

function readWorkspace(top: FieldReader, problems: ProblemList): WorkspaceSpec {
  const node = top.map('workspace');
  if (!node) return {};
  const r = new FieldReader(node, problems);
  r.only(['tracking_uri', 'registry_uri'], 'workspace');
  const trackingUri = r.string('tracking_uri');
  const registryUri = r.string('registry_uri');
  for (const [field, uri] of [['tracking_uri', trackingUri], ['registry_uri', registryUri]] as const) {
    if (uri !== undefined && !/^(https?:\/\/|sqlite:\/\/\/|postgres(ql)?:\/\/|databricks)/.test(uri)) {
      problems.add(r.node(field)!.at, `'${uri}' is not a tracking URI (http(s)://host:port, sqlite:///path, postgresql://… or databricks)`);
    }
  }
  return { ...(trackingUri ? { trackingUri } : {}), ...(registryUri ? { registryUri } : {}) };
}

/** `sync: { exclude: [patterns] }`: what `modelyard deploy` leaves out of the bundle. */
function readSync(top: FieldReader, problems: ProblemList): SyncSpec | undefined {
  const node = top.map('sync');
  if (!node) return undefined;
  const r = new FieldReader(node, problems);
  r.only(['exclude'], 'sync');
  const list = r.node('exclude');
  if (!list) return { exclude: [] };
  if (list.kind !== 'seq') {
    problems.add(list.at, `sync.exclude must be a list of .gitignore-style patterns, got ${describeKind(list)}`);
    return undefined;
  }
  const exclude: string[] = [];
  for (const item of list.items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value.trim() === '') problems.add(item.at, 'each sync.exclude entry must be a non-empty pattern string');
    else exclude.push(item.value);
  }
  return { exclude };
}

function readKeyed<T>(top: FieldReader, field: string, problems: ProblemList, read: (key: string, r: FieldReader) => T): Record<string, T> {
  const out: Record<string, T> = {};
  const node = top.map(field);
  for (const [key, e] of node?.entries ?? []) {
    if (!KEY_PATTERN.test(key)) problems.add(e.keyAt, `key '${key}' must start with a letter and hold letters, digits, '_' or '-'`);
    const value: LocatedNode = e.value.kind === 'scalar' && e.value.value === null ? { kind: 'map', at: e.value.at, entries: new Map() } : e.value;
    const r = readerFor(value, problems, `${field}.${key}`);
    if (r) out[key] = read(key, r);
  }
  return out;
}
