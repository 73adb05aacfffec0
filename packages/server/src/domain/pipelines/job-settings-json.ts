import type { JobSpec, TaskSpec } from './project-model.js';
import { compact } from '../compact-json.js';

/**
 * A JobSpec written back as Jobs API settings (snake_case, the fields `parseJobSettings` reads), so
 * `jobs/get` → edit → `jobs/reset` round-trips. Unset fields and empty lists are left out; `run_if`
 * and `max_concurrent_runs` are always written, as Databricks does.
 */
export function jobSettingsJson(job: JobSpec): Record<string, unknown> {
  const s = job.schedule;
  return compact({
    name: job.name,
    description: job.description,
    format: 'MULTI_TASK',
    tasks: job.tasks.map(taskSettingsJson),
    parameters: job.parameters.map((p) => ({ name: p.name, default: p.default })),
    schedule: s
      ? compact({ quartz_cron_expression: s.quartzCronExpression, cron: s.cron, timezone_id: s.timezoneId, pause_status: s.pauseStatus })
      : undefined,
    max_concurrent_runs: job.maxConcurrentRuns,
    queue: { enabled: job.queueEnabled },
    timeout_seconds: job.timeoutSeconds ?? 0,
    tags: Object.keys(job.tags).length > 0 ? job.tags : undefined,
  });
}

/** One task's settings: the common fields, then its kind (`command_task`, `evaluate_task`, …). */
export function taskSettingsJson(t: TaskSpec): Record<string, unknown> {
  return compact({
    task_key: t.taskKey,
    description: t.description,
    depends_on: t.dependsOn.map((d) => ({ task_key: d })),
    run_if: t.runIf,
    max_retries: t.maxRetries || undefined,
    min_retry_interval_millis: t.minRetryIntervalMillis || undefined,
    retry_on_timeout: t.retryOnTimeout || undefined,
    timeout_seconds: t.timeoutSeconds,
    ...taskKindJson(t),
  });
}

function taskKindJson(t: TaskSpec): Record<string, unknown> {
  switch (t.type) {
    case 'command':
      return {
        command_task: compact({
          command: t.command.command,
          working_directory: t.command.workingDirectory,
          env: Object.keys(t.command.env).length > 0 ? t.command.env : undefined,
        }),
      };
    case 'evaluate': {
      const e = t.evaluate;
      return {
        evaluate_task: compact({
          challenger_model_uri: e.challengerModelUri,
          champion_model_uri: e.championModelUri,
          data_path: e.dataPath,
          target_column: e.targetColumn,
          model_type: e.modelType,
          metrics: e.metrics,
        }),
      };
    }
    case 'gate':
      return { gate_task: { evaluation_task_key: t.gate.evaluationTaskKey, rules: t.gate.rules, when_no_champion: t.gate.whenNoChampion } };
    case 'promote': {
      const p = t.promote;
      return { promote_task: compact({ model_uri: p.modelUri, stage: p.stage, alias: p.alias, archive_existing_versions: p.archiveExistingVersions }) };
    }
    case 'batch_score': {
      const b = t.batchScore;
      return { batch_score_task: { model_uri: b.modelUri, input_path: b.inputPath, output_path: b.outputPath, output_format: b.outputFormat } };
    }
    case 'deploy':
      return { deploy_task: { endpoint: t.deploy.endpoint, model_uri: t.deploy.modelUri } };
  }
}

/**
 * `jobs/update`: top-level fields of `newSettings` replace the current ones, except `tasks`, which
 * merge by `task_key` (a new key is appended, a known one replaced whole); `fields_to_remove` names
 * top-level fields or `tasks/<task_key>`. Returns the merged settings, or the fields it cannot remove.
 */
export function mergeJobSettings(
  current: Record<string, unknown>,
  newSettings: Record<string, unknown>,
  fieldsToRemove: readonly string[],
): { ok: true; settings: Record<string, unknown> } | { ok: false; problems: string[] } {
  const out: Record<string, unknown> = { ...current };
  const problems: string[] = [];
  for (const [k, v] of Object.entries(newSettings)) {
    if (k === 'tasks' && Array.isArray(v) && Array.isArray(out.tasks)) {
      const merged = [...(out.tasks as unknown[])];
      for (const task of v) {
        const key = typeof task === 'object' && task !== null ? (task as Record<string, unknown>).task_key : undefined;
        const i = merged.findIndex((t) => typeof t === 'object' && t !== null && (t as Record<string, unknown>).task_key === key);
        if (key !== undefined && i >= 0) merged[i] = task;
        else merged.push(task);
      }
      out.tasks = merged;
    } else {
      out[k] = v;
    }
  }
  for (const field of fieldsToRemove) {
    const task = /^tasks\/(.+)$/.exec(field);
    if (task) {
      const tasks = Array.isArray(out.tasks) ? (out.tasks as unknown[]) : [];
      const kept = tasks.filter((t) => (t as Record<string, unknown> | null)?.task_key !== task[1]);
      if (kept.length === tasks.length) problems.push(`fields_to_remove: the job has no task '${task[1]}'`);
      out.tasks = kept;
    } else if (field === 'name' || field === 'tasks') {
      problems.push(`fields_to_remove: '${field}' cannot be removed (a job needs ${field === 'tasks' ? 'tasks' : 'a name'})`);
    } else if (/^[a-z_]+$/.test(field)) {
      delete out[field];
    } else {
      problems.push(`fields_to_remove: '${field}' is neither a top-level settings field nor tasks/<task_key>`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: out };
}

