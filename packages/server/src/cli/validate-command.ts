import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import { formatProblem } from '../domain/pipelines/problems.js';
import { loadProject } from '../domain/pipelines/project-parser.js';
import type { ProjectLoadResult } from '../domain/pipelines/project-parser.js';
import type { ProjectSpec } from '../domain/pipelines/project-model.js';

export const DEFAULT_PROJECT_FILE = 'modelyard.yaml';

export interface ProjectFileFlags {
  file?: string;
  target?: string;
}

export function addProjectOptions(cmd: Command): Command {
  return cmd
    .option('-f, --file <path>', `project file (default ./${DEFAULT_PROJECT_FILE})`)
    .option('-t, --target <name>', 'target whose overrides apply (default: the target marked default: true)');
}

export interface LoadedProjectFile {
  path: string;
  projectDir: string;
  result: ProjectLoadResult;
}

export function readProjectFile(flags: ProjectFileFlags, opts: { checkAllTargets?: boolean } = {}): LoadedProjectFile {
  const path = resolve(flags.file ?? DEFAULT_PROJECT_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidParameterError(`cannot read the project file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const result = loadProject(text, { ...(flags.target !== undefined ? { target: flags.target } : {}), ...opts });
  return { path, projectDir: dirname(path), result };
}

/** The validated project, or an error listing every problem (one per line, with file:line:column). */
export function requireValidProject(flags: ProjectFileFlags): { spec: ProjectSpec; projectDir: string; path: string } {
  const loaded = readProjectFile(flags);
  if (!loaded.result.spec) {
    const name = relative(process.cwd(), loaded.path) || loaded.path;
    const lines = loaded.result.problems.map((p) => `  ${formatProblem(name, p)}`).join('\n');
    throw new InvalidParameterError(`${name} has ${loaded.result.problems.length} problem(s):\n${lines}`);
  }
  return { spec: loaded.result.spec, projectDir: loaded.projectDir, path: loaded.path };
}

export function registerValidateCommand(program: Command): void {
  const cmd = program
    .command('validate')
    .description('check modelyard.yaml (every target unless -t is given) and report each problem with its YAML path and line');
  addProjectOptions(cmd);
  cmd.action((flags: ProjectFileFlags) => {
    const loaded = readProjectFile(flags, { checkAllTargets: flags.target === undefined });
    const name = relative(process.cwd(), loaded.path) || loaded.path;
    const { problems, spec, target } = loaded.result;
    if (problems.length > 0) {
      for (const p of problems) process.stderr.write(`${formatProblem(name, p)}\n`);
      process.stderr.write(`${name}: ${problems.length} problem(s)\n`);
      process.exitCode = 1;
      return;
    }
    const jobs = Object.values(spec!.jobs);
    const summary = jobs.map((j) => {
      const s = j.schedule;
      const when = s ? ` [${s.quartzCronExpression ?? s.cron} ${s.timezoneId}${s.pauseStatus === 'PAUSED' ? ', paused' : ''}]` : '';
      return `  ${j.key}: ${j.tasks.length} task(s)${when}`;
    });
    const targets = spec!.targetNames.map((t) => (t === target ? `${t} (applied)` : t)).join(', ');
    process.stdout.write(
      `${name} is valid: project ${spec!.name}, ${jobs.length} job(s)${targets ? `, targets ${targets}` : ''}\n${summary.join('\n')}${summary.length ? '\n' : ''}`,
    );
  });
}
