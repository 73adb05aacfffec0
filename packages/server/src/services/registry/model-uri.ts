import { InvalidParameterError } from '../../errors.js';

/**
 * `models:/…` URIs, as MLflow parses them (mlflow/store/artifact/utils/models.py):
 * `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`,
 * `models:/<name>@<alias>` and MLflow 3's `models:/<logged model id>` (ids start with `m-`).
 */
export type ModelUri =
  | { kind: 'version'; name: string; version: number }
  | { kind: 'stage'; name: string; stage: string }
  | { kind: 'latest'; name: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'logged_model'; modelId: string };

export function isModelsUri(uri: string): boolean {
  return /^models:/i.test(uri);
}

function improper(uri: string): InvalidParameterError {
  return new InvalidParameterError(
    `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.`,
  );
}

export function parseModelUri(uri: string): ModelUri {
  if (!isModelsUri(uri)) throw improper(uri);
  let rest = uri.slice('models:'.length).replace(/[?#].*$/s, '');
  // `models://<profile>/name/1` names a Databricks profile before the path; it does not change the model.
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (!rest.startsWith('/')) throw improper(uri);
  const path = rest.replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path.split('/');
  if (parts.length === 1) {
    const only = parts[0]!;
    const at = only.lastIndexOf('@');
    if (at > 0 && at < only.length - 1) return { kind: 'alias', name: only.slice(0, at), alias: only.slice(at + 1) };
    if (only.startsWith('m-') && only.length > 2) return { kind: 'logged_model', modelId: only };
    throw improper(uri);
  }
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw improper(uri);
  const [name, suffix] = parts as [string, string];
  if (/^\d+$/.test(suffix)) return { kind: 'version', name, version: Number(suffix) };
  if (suffix.toLowerCase() === 'latest') return { kind: 'latest', name };
  return { kind: 'stage', name, stage: suffix };
}

/** `runs:/<run_id>/<path>` → its parts; undefined for any other URI. */
export function parseRunsUri(uri: string): { runId: string; path: string } | undefined {
  const m = /^runs:\/+([^/?#]+)(?:\/([^?#]*))?$/i.exec(uri);
  if (!m) return undefined;
  return { runId: m[1]!, path: (m[2] ?? '').replace(/\/+$/, '') };
}
