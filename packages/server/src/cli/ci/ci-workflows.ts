import YAML from 'yaml';

/**
 * The CI/CD the seeds describe, as a GitHub Actions workflow or an Azure Pipelines file:
 *
 * - every pull request: install, unit tests, `modelyard validate` (all targets), each training
 *   and scoring job run with `-t ci` (a toy dataset) against an embedded store that lives only
 *   as long as the build, where a failed task or gate fails the build; the run summary published
 *   whether it passed or not;
 * - every merge to main: `modelyard deploy -t staging`, the jobs run there (the staging
 *   evaluation: challenger against champion, gate), a transition request for Production of each
 *   candidate; then, in a job held for approval (a GitHub environment or an Azure DevOps
 *   environment with required reviewers), a check that the request was approved in the registry,
 *   the approved versions made `@champion` (what the prod target's endpoints serve) and
 *   `modelyard deploy -t prod`.
 *
 * Commands are written so a test can run the pull-request steps as they are (ci-workflows test).
 */
export interface CiWorkflowOptions {
  /** The project file, relative to the repository root, e.g. `examples/modelyard.yaml`. */
  projectFile: string;
  /** Jobs the pull request runs with the ci target. */
  jobs: string[];
  /** Registered models whose candidate is requested for Production after the staging evaluation. */
  models: string[];
  install: string;
  test: string;
  nodeVersion: string;
  ciTarget: string;
  stagingTarget: string;
  prodTarget: string;
  /** The alias the staging target's promote task gives the version that passed the gate. */
  candidateAlias: string;
  /** The environment (GitHub) or Azure DevOps environment whose reviewers approve production. */
  environment: string;
}

/** Where the ephemeral store of the pull-request build lives (a variable the steps read). */
const CI_DATA = 'MODELYARD_CI_DATA';

const q = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The pull-request validation commands, in order; `id` names what a step is for. */
export function pullRequestSteps(o: CiWorkflowOptions): Array<{ id: string; name: string; run: string; always?: boolean }> {
  const f = q(o.projectFile);
  const store = `--data-dir "$${CI_DATA}" --backend-store-uri "sqlite:///$${CI_DATA}/modelyard.db"`;
  return [
    { id: 'install', name: 'Install dependencies', run: o.install },
    { id: 'unit-tests', name: 'Unit tests', run: o.test },
    { id: 'validate', name: 'Validate the project (every target)', run: `npx modelyard validate -f ${f}` },
    ...o.jobs.map((job) => ({
      id: `run-${job}`,
      name: `Run job ${job} on the toy dataset (target ${o.ciTarget}; a failed task or gate fails the build)`,
      run: `mkdir -p "$${CI_DATA}"\nnpx modelyard run ${q(job)} -f ${f} -t ${q(o.ciTarget)} --local ${store}`,
    })),
    {
      id: 'summary',
      name: 'Run summary',
      run: `npx modelyard ci summary ${store} --markdown > modelyard-summary.md\ncat modelyard-summary.md`,
      always: true,
    },
  ];
}

function stagingScript(o: CiWorkflowOptions): string[] {
  const f = q(o.projectFile);
  return [
    `npx modelyard deploy -f ${f} -t ${q(o.stagingTarget)}`,
    ...o.jobs.map((job) => `npx modelyard run ${q(job)} -f ${f} -t ${q(o.stagingTarget)}`),
    `npx modelyard ci request-production ${o.models.map(q).join(' ')} --alias ${q(o.candidateAlias)} --comment "CI $GIT_SHA: passed the staging gate"`,
  ];
}

/**
 * The approval that counts is the registry's: a reviewer approves the transition request
 * (modelyard models approve …, or the UI); the production job goes on only once every candidate
 * is in Production.
 */
function productionCheck(o: CiWorkflowOptions): string {
  return `npx modelyard ci check-production ${o.models.map(q).join(' ')} --alias ${q(o.candidateAlias)}`;
}

/** An approval moves the stage only: the prod target's endpoints serve `@champion`. */
function setChampion(o: CiWorkflowOptions): string {
  return `npx modelyard ci set-champion ${o.models.map(q).join(' ')} --alias ${q(o.candidateAlias)}`;
}

export function githubWorkflow(o: CiWorkflowOptions): string {
  const setup = [
    { uses: 'actions/checkout@v4' },
    { uses: 'actions/setup-node@v4', with: { 'node-version': o.nodeVersion, cache: 'npm' } },
  ];
  const serverEnv = {
    MLFLOW_TRACKING_URI: '${{ vars.MODELYARD_URL }}',
    MLFLOW_TRACKING_TOKEN: '${{ secrets.MODELYARD_TOKEN }}',
    MODELYARD_USER: 'ci-${{ github.actor }}',
    GIT_SHA: '${{ github.sha }}',
  };
  const steps = pullRequestSteps(o);
  const install = steps.find((s) => s.id === 'install')!;
  const doc = {
    name: 'Modelyard',
    on: { pull_request: { branches: ['main'] }, push: { branches: ['main'] } },
    permissions: { contents: 'read' },
    jobs: {
      validate: {
        name: 'Validate the pull request',
        if: "github.event_name == 'pull_request'",
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 30,
        steps: [
          ...setup,
          // The runner context exists in a step's env, not the job's.
          ...steps.map((s) => ({ id: s.id, name: s.name, ...(s.always ? { if: 'always()' } : {}), ...(s.run.includes(CI_DATA) ? { env: { [CI_DATA]: '${{ runner.temp }}/modelyard-ci' } } : {}), run: s.run })),
          { id: 'publish-summary', name: 'Publish the run summary', if: 'always()', run: 'cat modelyard-summary.md >> "$GITHUB_STEP_SUMMARY"' },
        ],
      },
      staging: {
        name: 'Deploy to staging and request Production',
        if: "github.event_name == 'push'",
        'runs-on': 'ubuntu-latest',
        environment: 'staging',
        env: serverEnv,
        steps: [...setup, { name: install.name, run: install.run }, { name: 'Deploy, evaluate on staging, request Production', run: stagingScript(o).join('\n') }],
      },
      production: {
        name: 'Deploy to production after approval',
        needs: 'staging',
        'runs-on': 'ubuntu-latest',
        // Required reviewers on this environment hold the job until someone approves.
        environment: o.environment,
        env: serverEnv,
        steps: [
          ...setup,
          { name: install.name, run: install.run },
          { name: 'Check the transition requests were approved', run: productionCheck(o) },
          { name: 'Make the approved versions the champions', run: setChampion(o) },
          { name: 'Deploy to production', run: `npx modelyard deploy -f ${q(o.projectFile)} -t ${q(o.prodTarget)}` },
        ],
      },
    },
  };
  return header('GitHub Actions') + YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function azurePipelines(o: CiWorkflowOptions): string {
  const node = { task: 'NodeTool@0', inputs: { versionSpec: `${o.nodeVersion}.x` }, displayName: `Node.js ${o.nodeVersion}` };
  const steps = pullRequestSteps(o);
  const install = steps.find((s) => s.id === 'install')!;
  // Azure DevOps maps variables to environment variables; secrets must be mapped explicitly.
  const serverEnv = { MLFLOW_TRACKING_URI: '$(MODELYARD_URL)', MLFLOW_TRACKING_TOKEN: '$(MODELYARD_TOKEN)', MODELYARD_USER: 'ci-$(Build.RequestedFor)', GIT_SHA: '$(Build.SourceVersion)' };
  const doc = {
    trigger: { branches: { include: ['main'] } },
    pr: { branches: { include: ['main'] } },
    pool: { vmImage: 'ubuntu-latest' },
    stages: [
      {
        stage: 'validate',
        displayName: 'Validate the pull request',
        condition: "eq(variables['Build.Reason'], 'PullRequest')",
        jobs: [
          {
            job: 'validate',
            timeoutInMinutes: 30,
            variables: { [CI_DATA]: '$(Agent.TempDirectory)/modelyard-ci' },
            steps: [
              { checkout: 'self' },
              node,
              ...steps.map((s) => ({ bash: `set -eo pipefail\n${s.run}`, name: s.id.replace(/-/g, '_'), displayName: s.name, ...(s.always ? { condition: 'always()' } : {}) })),
              { bash: 'echo "##vso[task.uploadsummary]$(System.DefaultWorkingDirectory)/modelyard-summary.md"', displayName: 'Publish the run summary', condition: 'always()' },
            ],
          },
        ],
      },
      {
        stage: 'staging',
        displayName: 'Deploy to staging and request Production',
        condition: "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), eq(variables['Build.SourceBranch'], 'refs/heads/main'))",
        jobs: [
          {
            job: 'staging',
            steps: [{ checkout: 'self' }, node, { bash: install.run, displayName: install.name }, { bash: `set -eo pipefail\n${stagingScript(o).join('\n')}`, displayName: 'Deploy, evaluate on staging, request Production', env: serverEnv }],
          },
        ],
      },
      {
        stage: 'production',
        displayName: 'Deploy to production after approval',
        dependsOn: 'staging',
        jobs: [
          {
            // Approvals and checks on this environment hold the stage until someone approves.
            deployment: 'production',
            environment: o.environment,
            strategy: {
              runOnce: {
                deploy: {
                  steps: [
                    { checkout: 'self' },
                    node,
                    { bash: install.run, displayName: install.name },
                    { bash: `set -eo pipefail\n${productionCheck(o)}`, displayName: 'Check the transition requests were approved', env: serverEnv },
                    { bash: setChampion(o), displayName: 'Make the approved versions the champions', env: serverEnv },
                    { bash: `npx modelyard deploy -f ${q(o.projectFile)} -t ${q(o.prodTarget)}`, displayName: 'Deploy to production', env: serverEnv },
                  ],
                },
              },
            },
          },
        ],
      },
    ],
  };
  return header('Azure Pipelines') + YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

function header(kind: string): string {
  return (
    `# ${kind}: written by \`modelyard ci init\` (see docs/ci.md). Pull requests are validated on a toy\n` +
    '# dataset against a store that lives only as long as the build; merges to main deploy to staging,\n' +
    '# evaluate there and request Production, which a reviewer approves before the production deploy.\n' +
    '# Settings: MODELYARD_URL (variable) and MODELYARD_TOKEN (secret) of the staging and production servers.\n'
  );
}
