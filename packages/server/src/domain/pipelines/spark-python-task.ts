import { join } from 'node:path';
import { FieldReader } from './field-reader.js';
import { describeKind } from './located-yaml.js';
import type { LocatedMap, LocatedNode } from './located-yaml.js';
import { childPath } from './problems.js';
import type { ProblemList } from './problems.js';
import { workspacePath } from './workspace-paths.js';

/** How a Jobs API server runs `spark_python_task`s: files of its own workspace, with a local Python. */
export interface SparkPythonOptions {
  /** The local folder holding the workspace (`<dataDir>/workspace`, services/workspace). */
  workspaceDir: string;
  /** The interpreter the task runs with. */
  python: string;
}

/**
 * A Jobs API `spark_python_task` ({python_file, parameters, source}) as the command task Modelyard
 * runs: `<python> <the workspace file> <parameters…>`, in a plain Python process, with no Spark
 * session. This is what lets a Modelyard server stand in for a Databricks workspace for clients
 * that submit Python files (Modelyard's Databricks executor among them). The file must be a
 * workspace path, shipped with workspace/import; DBFS and cloud URIs are not readable here.
 */
export function sparkPythonAsCommand(node: LocatedNode, problems: ProblemList, opts: SparkPythonOptions): LocatedMap | undefined {
  if (node.kind !== 'map') {
    problems.add(node.at, `spark_python_task must be an object, got ${describeKind(node)}`);
    return undefined;
  }
  const r = new FieldReader(node, problems);
  r.only(['python_file', 'parameters', 'source'], 'spark_python_task');
  const source = r.oneOf('source', ['WORKSPACE', 'GIT'] as const);
  if (source === 'GIT') problems.add(r.node('source')!.at, 'source GIT needs git_source, which Modelyard does not check out; ship the file with workspace/import and use source WORKSPACE');
  const file = r.string('python_file', { required: true, hint: 'an absolute workspace path such as /Users/me@example.com/project/train.py' });
  const parameters = r.stringList('parameters') ?? [];
  if (file === undefined) return undefined;
  const fileAt = r.node('python_file')!.at;
  if (/^[a-z][a-z0-9+.-]*:/i.test(file)) {
    problems.add(fileAt, `'${file}' is not readable by Modelyard: it runs spark_python_task files from its workspace; upload the file with /api/2.0/workspace/import and pass its workspace path`);
    return undefined;
  }
  const p = workspacePath(file);
  if (!p.ok || p.rel === '') {
    problems.add(fileAt, p.ok ? 'python_file must name a file' : p.problem);
    return undefined;
  }
  const at = node.at;
  const scalar = (value: string, path: string): LocatedNode => ({ kind: 'scalar', at: { ...at, path }, value });
  const commandPath = childPath(at.path, 'command');
  const argv = [opts.python, join(opts.workspaceDir, p.rel), ...parameters];
  return {
    kind: 'map',
    at,
    entries: new Map([
      ['command', { keyAt: { ...at, path: commandPath }, value: { kind: 'seq', at: { ...at, path: commandPath }, items: argv.map((v, i) => scalar(v, childPath(commandPath, i))) } }],
    ]),
  };
}
