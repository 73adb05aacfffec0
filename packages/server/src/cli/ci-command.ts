import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import { registerCiReleaseCommands } from './ci/ci-release-commands.js';
import { addStoreOptions } from './store-options.js';
import type { ServerFlags } from './store-options.js';
import { DEFAULT_PROJECT_FILE, readProjectFile, requireValidProject } from './validate-command.js';

interface CiInitFlags {
  file?: string;
  jobs?: string;
  models?: string;
  install: string;
  test: string;
  node: string;
  ciTarget: string;
  stagingTarget: string;
  prodTarget: string;
  candidateAlias: string;
  environment: string;
  out?: string;
  force?: boolean;
  stdout?: boolean;
}

const PROVIDERS = { github: '.github/workflows/modelyard.yml', 'azure-pipelines': 'azure-pipelines.yml' } as const;
type Provider = keyof typeof PROVIDERS;

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** The repository the workflow lives in: the Git work tree of the project, else the current folder. */
function repositoryRoot(from: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: from, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return process.cwd();
  }
}

/** `modelyard ci init github|azure-pipelines` and `modelyard ci summary` (docs/ci.md). */
export function registerCiCommand(program: Command): void {
  const ci = program.command('ci').description('CI/CD: write the pull-request and release workflows, summarise a CI build');
  ci.command('init <provider>')
    .description(`write the workflow that validates every pull request and releases merges to main (${Object.keys(PROVIDERS).join(' or ')})`)
    .option('-f, --file <path>', `project file (default ./${DEFAULT_PROJECT_FILE})`)
    .option('--jobs <keys>', 'comma-separated jobs a pull request runs (default: every job of the ci target without a schedule)')
    .option('--models <names>', 'comma-separated registered models to request for Production after staging (default: the project\'s registered_models)')
    .option('--install <command>', 'installs the dependencies', 'npm ci')
    .option('--test <command>', 'runs the unit tests', 'npm test')
    .option('--node <version>', 'Node.js version of the build', '20')
    .option('--ci-target <name>', 'target of the pull-request runs (a toy dataset)', 'ci')
    .option('--staging-target <name>', 'target deployed and evaluated after a merge', 'staging')
    .option('--prod-target <name>', 'target deployed after approval', 'prod')
    .option('--candidate-alias <alias>', 'alias the staging target gives the version that passed its gate', 'candidate')
    .option('--environment <name>', 'GitHub / Azure DevOps environment whose reviewers approve production', 'production')
    .option('-o, --out <path>', 'where to write it (default: .github/workflows/modelyard.yml or azure-pipelines.yml at the repository root)')
    .option('--force', 'replace an existing file')
    .option('--stdout', 'print the workflow instead of writing it')
    .action(async (provider: string, flags: CiInitFlags) => {
      if (!(provider in PROVIDERS)) throw new InvalidParameterError(`unknown CI provider '${provider}': use ${Object.keys(PROVIDERS).join(' or ')}`);
      const file = resolve(flags.file ?? DEFAULT_PROJECT_FILE);
      const declared = readProjectFile({ file }).result.spec?.targetNames;
      if (declared && !declared.includes(flags.ciTarget)) {
        throw new InvalidParameterError(`${relative(process.cwd(), file) || file} has no target '${flags.ciTarget}': add one that runs the jobs on a toy dataset (see docs/ci.md), or name yours with --ci-target`);
      }
      const { spec } = requireValidProject({ file, target: flags.ciTarget });
      const jobs = flags.jobs ? list(flags.jobs) : Object.values(spec.jobs).filter((j) => !j.schedule).map((j) => j.key);
      for (const j of jobs) if (!spec.jobs[j]) throw new InvalidParameterError(`--jobs names '${j}', which the project does not have (jobs: ${Object.keys(spec.jobs).join(', ')})`);
      if (jobs.length === 0) throw new InvalidParameterError('the ci target has no job without a schedule to run: name them with --jobs');
      const models = flags.models ? list(flags.models) : Object.values(spec.registeredModels).map((m) => m.name);
      for (const t of [flags.stagingTarget, flags.prodTarget]) {
        if (!spec.targetNames.includes(t)) process.stderr.write(`note: the release half deploys with -t ${t}, which ${relative(process.cwd(), file) || file} does not declare yet\n`);
      }
      const root = repositoryRoot(dirname(file));
      const options = {
        projectFile: relative(root, file),
        jobs,
        models,
        install: flags.install,
        test: flags.test,
        nodeVersion: flags.node,
        ciTarget: flags.ciTarget,
        stagingTarget: flags.stagingTarget,
        prodTarget: flags.prodTarget,
        candidateAlias: flags.candidateAlias,
        environment: flags.environment,
      };
      const { azurePipelines, githubWorkflow } = await import('./ci/ci-workflows.js');
      const text = provider === 'github' ? githubWorkflow(options) : azurePipelines(options);
      if (flags.stdout) {
        process.stdout.write(text);
        return;
      }
      const out = resolve(root, flags.out ?? PROVIDERS[provider as Provider]);
      if (existsSync(out) && !flags.force) throw new InvalidParameterError(`${out} exists: pass --force to replace it, or --out to write elsewhere`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
      process.stdout.write(`wrote ${relative(process.cwd(), out) || out}: pull requests run ${jobs.join(', ')} with -t ${flags.ciTarget}; merges deploy -t ${flags.stagingTarget}, then -t ${flags.prodTarget} after approval\n`);
    });

  registerCiReleaseCommands(ci);

  addStoreOptions(
    ci
      .command('summary')
      .description("the job runs of this build's store as Markdown (for $GITHUB_STEP_SUMMARY or Azure's build summary)")
      .option('--markdown', 'Markdown (the only format for now)'),
  ).action(async (flags: ServerFlags) => {
    const { openPipelinesContext } = await import('./pipelines-cli-context.js');
    const { ciSummaryMarkdown } = await import('./ci/ci-summary.js');
    const ctx = await openPipelinesContext(flags, { serveTracking: false });
    try {
      const records = await ctx.pipelines.jobs.listRuns({ limit: 100 });
      const runs = await Promise.all(records.reverse().map((r) => ctx.pipelines.jobs.getRun(r.jobRunId)));
      process.stdout.write(ciSummaryMarkdown(runs));
    } finally {
      await ctx.close();
    }
  });
}

