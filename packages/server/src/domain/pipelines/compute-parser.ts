import { posix } from 'node:path';
import { FieldReader } from './field-reader.js';
import { describeKind, toPlain } from './located-yaml.js';
import type { LocatedMap } from './located-yaml.js';
import type { ProblemList, SourceLocation } from './problems.js';
import type { ComputeSpec, DatabricksComputeSpec, TaskSpec } from './project-model.js';

/**
 * `compute: { databricks: {…} }` on a task or a job. The cluster fields are named as in a
 * Databricks bundle's job task (`existing_cluster_id`, `new_cluster`, `libraries`); `cluster_json`
 * is MLflow's `--backend-config cluster.json`; `profile` / `host` are the Databricks SDK's.
 */
const DATABRICKS_FIELDS = ['profile', 'host', 'existing_cluster_id', 'new_cluster', 'cluster_json', 'libraries', 'workspace_path'];
const CLUSTER_FIELDS = ['existing_cluster_id', 'new_cluster', 'cluster_json'];
const PYTHON_PROGRAM = /(^|\/)python(\d+(\.\d+)?)?$/;

export function parseCompute(node: LocatedMap, problems: ProblemList): ComputeSpec | undefined {
  const r = new FieldReader(node, problems);
  r.only(['databricks'], 'compute');
  const body = r.map('databricks', { required: true });
  if (!body) return undefined;
  const before = problems.size;
  const d = new FieldReader(body, problems);
  d.only(DATABRICKS_FIELDS, 'compute.databricks');
  const spec: DatabricksComputeSpec = {};
  const profile = d.string('profile');
  if (profile !== undefined) spec.profile = profile;
  const host = d.string('host');
  if (host !== undefined) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(host)) problems.add(d.node('host')!.at, `must be a workspace URL such as https://adb-1234567890123456.7.azuredatabricks.net, got '${host}'`);
    else spec.host = host.replace(/\/$/, '');
  }
  const clusters = CLUSTER_FIELDS.filter((f) => d.has(f));
  if (clusters.length !== 1) {
    problems.add(
      clusters.length > 1 ? body.entries.get(clusters[1]!)!.keyAt : body.at,
      clusters.length === 0
        ? 'compute.databricks needs exactly one of existing_cluster_id (a running cluster), new_cluster (a cluster spec) or cluster_json (a file holding one, relative to the project)'
        : `compute.databricks takes one cluster, found ${clusters.join(' and ')}`,
    );
  }
  const existing = d.string('existing_cluster_id');
  if (existing !== undefined) spec.existingClusterId = existing;
  const newCluster = d.map('new_cluster');
  if (newCluster) spec.newCluster = toPlain(newCluster) as Record<string, unknown>;
  const clusterJson = d.string('cluster_json');
  if (clusterJson !== undefined) {
    if (!insideProject(clusterJson)) problems.add(d.node('cluster_json')!.at, `must be a file inside the project, got '${clusterJson}'`);
    else spec.clusterJson = clusterJson;
  }
  const libraries = d.seq('libraries');
  if (libraries) {
    spec.libraries = [];
    for (const item of libraries.items) {
      if (item.kind !== 'map') problems.add(item.at, `a library is a mapping such as {pypi: {package: scikit-learn==1.5.2}} or {whl: /Workspace/…/x.whl}, got ${describeKind(item)}`);
      else spec.libraries.push(toPlain(item) as Record<string, unknown>);
    }
  }
  const workspacePath = d.string('workspace_path');
  if (workspacePath !== undefined) {
    const norm = posix.normalize(workspacePath);
    if (!norm.startsWith('/') || norm.split('/').includes('..')) problems.add(d.node('workspace_path')!.at, `must be an absolute workspace folder such as /Shared/modelyard, got '${workspacePath}'`);
    else spec.workspacePath = norm.replace(/\/$/, '');
  }
  if (problems.size > before) return undefined;
  return { databricks: spec };
}

/**
 * Only command tasks run on Databricks (the in-process types need this server). Any command does:
 * `[python, <file>.py, args…]` runs in the spark_python_task's own Python process, anything else
 * as a child of it on the driver (worker/databricks/entry-script.ts). A Python file must be inside
 * the project, which is what is uploaded. Returns the problem in words that say how to fix it.
 */
export function remoteTaskProblem(task: TaskSpec): string | undefined {
  if (task.type !== 'command') {
    return `task '${task.taskKey}' is a ${task.type} task: only command tasks run on Databricks compute (the ${task.type} task runs here)`;
  }
  const cmd = task.command.command;
  if (typeof cmd !== 'string' && isPythonFileCommand(cmd)) {
    const dir = task.command.workingDirectory ?? '.';
    if (!insideProject(posix.join(dir, cmd[1]!))) return `task '${task.taskKey}': the Python file '${cmd[1]}' must be inside the project, which is what is uploaded to the workspace`;
  }
  return undefined;
}

/** `[python|python3|python3.11|/usr/bin/python3, <file>.py, …]`: run in-process by the entry script. */
export function isPythonFileCommand(argv: readonly string[]): boolean {
  return PYTHON_PROGRAM.test(argv[0] ?? '') && (argv[1] ?? '').endsWith('.py');
}

/** Reports `remoteTaskProblem` at `at`. */
export function checkRemoteTask(task: TaskSpec, at: SourceLocation, problems: ProblemList): void {
  const problem = remoteTaskProblem(task);
  if (problem) problems.add(at, problem);
}

function insideProject(path: string): boolean {
  const norm = posix.normalize(path.replace(/\\/g, '/'));
  return !posix.isAbsolute(norm) && norm !== '..' && !norm.startsWith('../');
}
