import type { ArtifactsApi } from '../client/artifacts-api.js';
import type { Client } from '../client/client.js';
import type { ModelVersion } from '../entities.js';

/** Where a model URI's files are: an artifact root URI (reached through `artifacts`) and a path below it. */
export interface ResolvedModel {
  rootUri: string;
  path: string;
  artifacts: ArtifactsApi;
  /** Set for `models:/` URIs that name a registered model. */
  version?: ModelVersion;
}

const STAGES = new Set(['none', 'staging', 'production', 'archived']);

/**
 * Resolves every model URI MLflow knows: `runs:/<run_id>/<path>`, `models:/<name>/<version>`,
 * `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>`, `models:/m-<id>`
 * (an MLflow 3 logged model), `mlflow-artifacts:/…`, `file://…` and local paths.
 */
export async function resolveModelUri(client: Client, uri: string): Promise<ResolvedModel> {
  if (uri.startsWith('runs:/')) {
    const rest = uri.slice('runs:/'.length).replace(/^\/+/, '');
    const slash = rest.indexOf('/');
    const runId = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    if (!runId) throw new Error(`model URI '${uri}' names no run: use runs:/<run_id>/<path>`);
    const run = await client.tracking.getRun(runId);
    return { rootUri: run.info.artifactUri, path, artifacts: client.artifacts };
  }
  if (uri.startsWith('models:/')) {
    const rest = uri.slice('models:/'.length).replace(/^\/+/, '').replace(/\/+$/, '');
    if (/^m-[0-9a-f]+$/.test(rest)) {
      const model = await client.loggedModels.get(rest);
      return { rootUri: model.artifactUri, path: '', artifacts: client.artifacts };
    }
    const version = await resolveRegisteredVersion(client, uri, rest);
    const rootUri = await client.registry.getModelVersionDownloadUri(version.name, version.version);
    return { rootUri, path: '', artifacts: client.registryArtifacts, version };
  }
  return { rootUri: uri, path: '', artifacts: client.artifacts };
}

async function resolveRegisteredVersion(client: Client, uri: string, rest: string): Promise<ModelVersion> {
  const at = rest.lastIndexOf('@');
  if (at > 0) return client.registry.getModelVersionByAlias(rest.slice(0, at), rest.slice(at + 1));
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) throw new Error(`model URI '${uri}' must be models:/<name>/<version|stage|latest>, models:/<name>@<alias> or models:/m-<id>`);
  const name = rest.slice(0, slash);
  const suffix = rest.slice(slash + 1);
  if (/^\d+$/.test(suffix)) return client.registry.getModelVersion(name, suffix);
  if (suffix.toLowerCase() === 'latest' || STAGES.has(suffix.toLowerCase())) {
    const stage = suffix.toLowerCase() === 'latest' ? undefined : ((suffix[0]!.toUpperCase() + suffix.slice(1).toLowerCase()) as ModelVersion['currentStage']);
    const versions = await client.registry.getLatestVersions(name, stage ? [stage] : []);
    const best = versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!best) throw new Error(`registered model '${name}' has no version${stage ? ` in stage ${stage}` : ''} (from '${uri}')`);
    return best;
  }
  throw new Error(`model URI '${uri}': '${suffix}' is neither a version number, a stage (None, Staging, Production, Archived) nor 'latest'`);
}
