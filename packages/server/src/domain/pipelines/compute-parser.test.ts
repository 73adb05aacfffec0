import { describe, expect, it } from 'vitest';
import { loadProject } from './project-parser.js';

/** A project whose one job holds `tasks` (YAML, indented for the tasks list) and job-level `extra`. */
const project = (tasks: string, extra = '') => `
project: { name: remote }
jobs:
  train:
${extra}
    tasks:
${tasks}
`;

const trainTask = (compute: string, command = '[python, src/train.py, --alpha, "0.5"]') => `
      - task_key: train
        command_task: { command: ${command} }
        compute:
${compute}`;

function problems(yaml: string): string[] {
  const r = loadProject(yaml);
  return r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('compute.databricks on tasks and jobs', () => {
  it.each([
    ['an existing cluster', '          databricks: { host: "https://adb-1.2.azuredatabricks.net", existing_cluster_id: 0923-164208-meows279 }', { host: 'https://adb-1.2.azuredatabricks.net', existingClusterId: '0923-164208-meows279' }],
    ['a new cluster with libraries', '          databricks: { profile: prod, new_cluster: { spark_version: 15.4.x-scala2.12, num_workers: 2 }, libraries: [{ pypi: { package: scikit-learn } }] }', { profile: 'prod', newCluster: { spark_version: '15.4.x-scala2.12', num_workers: 2 }, libraries: [{ pypi: { package: 'scikit-learn' } }] }],
    ['a cluster.json and a workspace folder', '          databricks: { cluster_json: conf/cluster.json, workspace_path: /Users/me@example.com/modelyard/ }', { clusterJson: 'conf/cluster.json', workspacePath: '/Users/me@example.com/modelyard' }],
  ])('accepts %s', (_name, compute, expected) => {
    const r = loadProject(project(trainTask(compute)));
    expect(r.problems).toEqual([]);
    expect(r.spec!.jobs.train!.tasks[0]!.compute).toEqual({ databricks: expected });
  });

  it('gives a job-level compute to its command tasks, not to in-process ones', () => {
    const yaml = project(
      `
      - task_key: train
        command_task: { command: [python3, train.py] }
      - task_key: promote
        depends_on: [{ task_key: train }]
        promote_task: { model_uri: "models:/m/1", alias: champion }`,
      '    compute: { databricks: { existing_cluster_id: abc } }',
    );
    const r = loadProject(yaml);
    expect(r.problems).toEqual([]);
    const [train, promote] = r.spec!.jobs.train!.tasks;
    expect(train!.compute).toEqual({ databricks: { existingClusterId: 'abc' } });
    expect(promote!.compute).toBeUndefined();
  });

  it.each([
    ['no cluster', '          databricks: { host: "https://x.cloud.databricks.com" }', 'needs exactly one of existing_cluster_id (a running cluster), new_cluster (a cluster spec) or cluster_json'],
    ['two clusters', '          databricks: { existing_cluster_id: a, cluster_json: cluster.json }', 'takes one cluster, found existing_cluster_id and cluster_json'],
    ['a bad host', '          databricks: { host: adb-1.azuredatabricks.net, existing_cluster_id: a }', 'must be a workspace URL such as https://'],
    ['a cluster.json outside the project', '          databricks: { cluster_json: ../cluster.json }', "must be a file inside the project, got '../cluster.json'"],
    ['a relative workspace folder', '          databricks: { existing_cluster_id: a, workspace_path: Shared/x }', 'must be an absolute workspace folder'],
    ['an unknown field', '          databricks: { existing_cluster_id: a, spark_conf: {} }', "unknown field 'spark_conf' in compute.databricks"],
    ['another compute', '          kubernetes: {}', "unknown field 'kubernetes' in compute"],
  ])('refuses %s', (_name, compute, message) => {
    expect(problems(project(trainTask(compute))).join('\n')).toContain(message);
  });

  it.each([
    ['a shell string', '"python train.py --alpha 0.5 && echo done"'],
    ['another program', '[Rscript, train.R]'],
    ['a Python file in a working directory', '[python3.11, ./train.py]'],
  ])('accepts a remote command task with %s', (_name, command) => {
    expect(problems(project(trainTask('          databricks: { existing_cluster_id: a }', command)))).toEqual([]);
  });

  it('refuses a remote Python file outside the project, which would not be uploaded', () => {
    expect(problems(project(trainTask('          databricks: { existing_cluster_id: a }', '[python, ../train.py]'))).join('\n')).toContain("the Python file '../train.py' must be inside the project");
  });

  it('refuses compute on an in-process task type, naming it', () => {
    const yaml = project(`
      - task_key: promote
        promote_task: { model_uri: "models:/m/1", alias: champion }
        compute: { databricks: { existing_cluster_id: a } }`);
    expect(problems(yaml).join('\n')).toContain("task 'promote' is a promote task: only command tasks run on Databricks compute");
  });

  it('refuses a job-level compute when one of its command tasks cannot run there', () => {
    const yaml = project(
      `
      - task_key: prep
        command_task: { command: [python, ../outside.py] }`,
      '    compute: { databricks: { existing_cluster_id: a } }',
    );
    expect(problems(yaml).join('\n')).toContain("task 'prep': the Python file '../outside.py' must be inside the project");
  });
});
