import { posix } from 'node:path';
import { checkRemoteTask, parseCompute } from './compute-parser.js';
import { FieldReader, readerFor } from './field-reader.js';
import { EVALUATION_METRICS } from './evaluation-metric-names.js';
import { GateRuleSyntaxError, parseGateRule } from './gate-rules.js';
import { describeKind } from './located-yaml.js';
import type { LocatedNode } from './located-yaml.js';
import type { ProblemList, SourceLocation } from './problems.js';
import { RUN_IF_CONDITIONS, TASK_TYPES } from './project-model.js';
import type { TaskSpec, TaskType } from './project-model.js';
import { shellReferenceProblems } from './shell-references.js';

/** A parsed task plus where its parts were written, for the job-level checks that follow. */
export interface ParsedTask {
  spec: TaskSpec;
  at: SourceLocation;
  keyAt: SourceLocation;
  dependsOnAt: SourceLocation[];
  /** Strings that may hold `{{…}}` references, with their locations. */
  templated: Array<{ text: string; at: SourceLocation }>;
}

const COMMON_FIELDS = ['task_key', 'description', 'depends_on', 'run_if', 'max_retries', 'min_retry_interval_millis', 'retry_on_timeout', 'timeout_seconds', 'compute'];
const TYPE_FIELDS = TASK_TYPES.map((t) => `${t}_task`);
export const TASK_KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the runner for every attempt; a task cannot redefine them. */
const RESERVED_ENV = /^(MLFLOW_TRACKING_URI|MLFLOW_REGISTRY_URI|MLFLOW_RUN_ID|MLFLOW_EXPERIMENT_ID|TRACEPARENT|MODELYARD_.*)$/;
const ALIAS_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const MODEL_STAGES = ['Staging', 'Production', 'Archived', 'None'] as const;

export function parseTask(node: LocatedNode, problems: ProblemList): ParsedTask | undefined {
  const r = readerFor(node, problems, 'a task');
  if (!r) return undefined;
  for (const [key, e] of r.source.entries) {
    if (COMMON_FIELDS.includes(key) || TYPE_FIELDS.includes(key)) continue;
    if (key.endsWith('_task')) {
      problems.add(e.keyAt, `unknown task type '${key}' (known: ${TYPE_FIELDS.join(', ')})`);
    } else {
      problems.add(e.keyAt, `unknown field '${key}' in a task (allowed: ${[...COMMON_FIELDS, ...TYPE_FIELDS].join(', ')})`);
    }
  }
  const taskKey = r.string('task_key', { required: true });
  if (taskKey !== undefined && !TASK_KEY_PATTERN.test(taskKey)) {
    problems.add(r.node('task_key')!.at, `task_key '${taskKey}' must be 1-100 letters, digits, '_' or '-'`);
  }
  const dependsOn: string[] = [];
  const dependsOnAt: SourceLocation[] = [];
  const deps = r.seq('depends_on');
  for (const item of deps?.items ?? []) {
    const dr = readerFor(item, problems, 'a depends_on entry ({task_key: …})');
    if (!dr) continue;
    dr.only(['task_key'], 'a depends_on entry');
    const k = dr.string('task_key', { required: true });
    if (k !== undefined) {
      dependsOn.push(k);
      dependsOnAt.push(dr.node('task_key')!.at);
    }
  }
  const runIf = r.oneOf('run_if', RUN_IF_CONDITIONS) ?? 'ALL_SUCCESS';
  const maxRetries = r.integer('max_retries', { min: -1, max: 1000 }) ?? 0;
  const minRetryIntervalMillis = r.integer('min_retry_interval_millis', { min: 0, max: 86_400_000 }) ?? 0;
  const retryOnTimeout = r.boolean('retry_on_timeout') ?? false;
  const timeout = r.integer('timeout_seconds', { min: 0, max: 7 * 86_400 });
  const description = r.string('description');

  const present = TYPE_FIELDS.filter((f) => r.has(f));
  if (present.length !== 1) {
    const where = present.length > 1 ? r.source.entries.get(present[1]!)!.keyAt : r.source.at;
    problems.add(
      where,
      present.length === 0
        ? `a task needs exactly one of ${TYPE_FIELDS.join(', ')}`
        : `a task has exactly one type, found ${present.join(' and ')}`,
    );
    return undefined;
  }
  const typeField = present[0]!;
  const type = typeField.slice(0, -'_task'.length) as TaskType;
  const body = r.map(typeField, { required: true });
  if (!body || taskKey === undefined) return undefined;
  const br = new FieldReader(body, problems);
  const templated: ParsedTask['templated'] = [];
  const base = {
    taskKey,
    dependsOn,
    runIf,
    maxRetries,
    minRetryIntervalMillis,
    retryOnTimeout,
    ...(description !== undefined ? { description } : {}),
    ...(timeout !== undefined && timeout > 0 ? { timeoutSeconds: timeout } : {}),
  };
  const computeNode = r.map('compute');
  const compute = computeNode ? parseCompute(computeNode, problems) : undefined;
  const parsed = parseTypeBody(type, br, base, templated);
  if (!parsed) return undefined;
  const spec = compute ? { ...parsed, compute } : parsed;
  if (compute) checkRemoteTask(spec, r.source.entries.get('compute')!.keyAt, problems);
  return { spec, at: r.source.at, keyAt: r.node('task_key')!.at, dependsOnAt, templated };
}

type Base = Omit<TaskSpec, 'type' | 'command' | 'evaluate' | 'gate' | 'promote' | 'batchScore' | 'deploy'>;

/** Paths and model URIs of the in-process task types may hold `{{…}}` references too. */
function collectTemplated(r: FieldReader, fields: readonly string[], templated: ParsedTask['templated']): void {
  for (const f of fields) {
    const n = r.node(f);
    if (n?.kind === 'scalar' && typeof n.value === 'string') templated.push({ text: n.value, at: n.at });
  }
}

function parseTypeBody(type: TaskType, r: FieldReader, base: Base, templated: ParsedTask['templated']): TaskSpec | undefined {
  const problems = r.problems;
  switch (type) {
    case 'command': {
      r.only(['command', 'working_directory', 'env'], 'command_task');
      const node = r.node('command');
      let command: string[] | string | undefined;
      if (!node || (node.kind === 'scalar' && node.value === null)) {
        problems.add(r.source.at, "missing required field 'command' (a list of arguments, or one string run by /bin/sh -c)");
      } else if (node.kind === 'seq') {
        command = r.stringList('command');
        if (command && command.length === 0) problems.add(node.at, 'must name at least the program to run');
        node.items.forEach((item) => item.kind === 'scalar' && typeof item.value === 'string' && templated.push({ text: item.value, at: item.at }));
      } else if (node.kind === 'scalar' && typeof node.value === 'string' && node.value.trim() !== '') {
        command = node.value;
        templated.push({ text: node.value, at: node.at });
        for (const msg of shellReferenceProblems(node.value)) problems.add(node.at, msg);
      } else {
        problems.add(node.at, `must be a list of arguments or a shell command string, got ${describeKind(node)}`);
      }
      const workingDirectory = r.string('working_directory');
      if (workingDirectory !== undefined) {
        const norm = posix.normalize(workingDirectory.replace(/\\/g, '/'));
        if (posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
          problems.add(r.node('working_directory')!.at, `must be a folder inside the project, got '${workingDirectory}'`);
        }
      }
      const env = r.stringMap('env');
      const envNode = r.node('env');
      if (envNode?.kind === 'map') {
        for (const [name, e] of envNode.entries) {
          if (!ENV_NAME.test(name)) problems.add(e.keyAt, `'${name}' is not a valid environment variable name`);
          else if (RESERVED_ENV.test(name)) problems.add(e.keyAt, `${name} is set by Modelyard for every attempt and cannot be overridden`);
          if (e.value.kind === 'scalar' && typeof e.value.value === 'string') templated.push({ text: e.value.value, at: e.value.at });
        }
      }
      if (command === undefined || command.length === 0) return undefined;
      return { ...base, type, command: { command, env, ...(workingDirectory !== undefined ? { workingDirectory } : {}) } };
    }
    case 'evaluate': {
      r.only(['challenger_model_uri', 'champion_model_uri', 'data_path', 'target_column', 'model_type', 'metrics'], 'evaluate_task');
      const challengerModelUri = r.string('challenger_model_uri', { required: true, hint: 'the model to evaluate, e.g. models:/diabetes@challenger' });
      const championModelUri = r.string('champion_model_uri');
      const dataPath = r.string('data_path', { required: true });
      const targetColumn = r.string('target_column', { required: true });
      const modelType = r.oneOf('model_type', ['classifier', 'regressor'] as const, { required: true });
      const metrics = r.stringList('metrics') ?? [];
      if (modelType) {
        const known: readonly string[] = EVALUATION_METRICS[modelType];
        const metricsNode = r.node('metrics');
        metrics.forEach((m, i) => {
          if (known.includes(m)) return;
          const at = metricsNode?.kind === 'seq' ? (metricsNode.items[i]?.at ?? metricsNode.at) : r.source.at;
          problems.add(at, `unknown ${modelType} metric '${m}' (known: ${known.join(', ')})`);
        });
      }
      checkModelUri(r, 'challenger_model_uri', challengerModelUri);
      checkModelUri(r, 'champion_model_uri', championModelUri);
      collectTemplated(r, ['challenger_model_uri', 'champion_model_uri', 'data_path'], templated);
      if (!challengerModelUri || !dataPath || !targetColumn || !modelType) return undefined;
      return {
        ...base,
        type,
        evaluate: { challengerModelUri, dataPath, targetColumn, modelType, metrics, ...(championModelUri ? { championModelUri } : {}) },
      };
    }
    case 'gate': {
      r.only(['evaluation_task_key', 'rules', 'when_no_champion'], 'gate_task');
      const evaluationTaskKey = r.string('evaluation_task_key', { required: true, hint: 'the evaluate task whose metrics the rules read' });
      const whenNoChampion = r.oneOf('when_no_champion', ['PASS', 'FAIL'] as const) ?? 'PASS';
      const rulesNode = r.seq('rules', { required: true });
      const rules: string[] = [];
      for (const item of rulesNode?.items ?? []) {
        if (item.kind !== 'scalar' || typeof item.value !== 'string') {
          problems.add(item.at, `a gate rule must be a string such as 'challenger.roc_auc >= 0.8', got ${describeKind(item)}`);
          continue;
        }
        try {
          parseGateRule(item.value);
          rules.push(item.value);
        } catch (e) {
          if (!(e instanceof GateRuleSyntaxError)) throw e;
          problems.add(item.at, `bad gate rule '${item.value}': ${e.message}`);
        }
      }
      if (rulesNode && rulesNode.items.length === 0) problems.add(rulesNode.at, 'a gate needs at least one rule');
      if (!evaluationTaskKey || rules.length === 0) return undefined;
      return { ...base, type, gate: { evaluationTaskKey, rules, whenNoChampion } };
    }
    case 'promote': {
      r.only(['model_uri', 'stage', 'alias', 'archive_existing_versions'], 'promote_task');
      const modelUri = r.string('model_uri', { required: true, hint: 'the version to promote, e.g. models:/diabetes@challenger' });
      if (modelUri !== undefined && !modelUri.startsWith('models:/')) {
        problems.add(r.node('model_uri')!.at, `must name a registered model version (models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/<stage>), got '${modelUri}'`);
      }
      const stage = r.oneOf('stage', MODEL_STAGES);
      const alias = r.string('alias');
      if (alias !== undefined && (!ALIAS_PATTERN.test(alias) || alias === 'latest' || /^v\d+$/i.test(alias))) {
        problems.add(r.node('alias')!.at, `alias '${alias}' must be letters, digits, '_' or '-', and neither 'latest' nor v<number>`);
      }
      if (!r.has('stage') && !r.has('alias')) problems.add(r.source.at, 'a promote task needs a stage, an alias, or both');
      const archiveExistingVersions = r.boolean('archive_existing_versions') ?? false;
      collectTemplated(r, ['model_uri'], templated);
      if (!modelUri || (stage === undefined && alias === undefined)) return undefined;
      return { ...base, type, promote: { modelUri, archiveExistingVersions, ...(stage ? { stage } : {}), ...(alias ? { alias } : {}) } };
    }
    case 'batch_score': {
      r.only(['model_uri', 'input_path', 'output_path', 'output_format'], 'batch_score_task');
      const modelUri = r.string('model_uri', { required: true });
      const inputPath = r.string('input_path', { required: true });
      const outputPath = r.string('output_path', { required: true });
      const outputFormat = r.oneOf('output_format', ['csv', 'jsonl'] as const) ?? 'csv';
      checkModelUri(r, 'model_uri', modelUri);
      collectTemplated(r, ['model_uri', 'input_path', 'output_path'], templated);
      if (!modelUri || !inputPath || !outputPath) return undefined;
      return { ...base, type, batchScore: { modelUri, inputPath, outputPath, outputFormat } };
    }
    case 'deploy': {
      r.only(['endpoint', 'model_uri'], 'deploy_task');
      const endpoint = r.string('endpoint', { required: true, hint: 'a key of serving_endpoints' });
      const modelUri = r.string('model_uri', { required: true });
      checkModelUri(r, 'model_uri', modelUri);
      collectTemplated(r, ['model_uri'], templated);
      if (!endpoint || !modelUri) return undefined;
      return { ...base, type, deploy: { endpoint, modelUri } };
    }
  }
}

const MODEL_URI_SCHEMES = ['models:/', 'runs:/', 'mlflow-artifacts:/'];

function checkModelUri(r: FieldReader, field: string, uri: string | undefined): void {
  if (uri === undefined) return;
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(uri)?.[0];
  // A plain path (no scheme) is a model folder; any other scheme is a typo we can catch now.
  if (scheme && !MODEL_URI_SCHEMES.some((s) => uri.startsWith(s)) && !/^[A-Za-z]:[\\/]/.test(uri)) {
    r.problems.add(r.node(field)!.at, `unsupported model URI '${uri}' (use ${MODEL_URI_SCHEMES.map((s) => s + '…').join(', ')} or a folder path)`);
  }
}
