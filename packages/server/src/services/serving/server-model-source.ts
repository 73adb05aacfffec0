import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { downloadAtomically } from '../../runtime/client-model-source.js';
import { isLocalArtifactUri } from '../../artifacts/artifact-location-policy.js';
import type { ModelSource, ResolvedModelFiles } from '../../runtime/model-runtime.js';
import { parseModelUri, parseRunsUri, isModelsUri } from '../registry/model-uri.js';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { ModelVersionService } from '../registry/model-version-service.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import type { RunService } from '../tracking/run-service.js';

export interface ServerModelSourceDeps {
  modelVersions: Pick<ModelVersionService, 'resolveModelUri'>;
  runs: Pick<RunService, 'getInfo'>;
  loggedModels: Pick<LoggedModelService, 'get'>;
  artifacts: Pick<ArtifactService, 'listAt' | 'openAt' | 'localDirOf'>;
  /** Downloaded models live under `<cacheDir>/registry/<name>/<version>` and `<cacheDir>/uri/…`. */
  cacheDir: string;
}

/**
 * Resolves model URIs inside the server process, straight from the registry services and the
 * artifact repositories (no HTTP round trip to itself). A registry version's files are fetched
 * once; versions are immutable, so the cached copy stays valid.
 */
export class ServerModelSource implements ModelSource {
  constructor(private readonly deps: ServerModelSourceDeps) {}

  async resolve(uri: string): Promise<ResolvedModelFiles> {
    const runs = parseRunsUri(uri);
    if (runs) {
      const info = await this.deps.runs.getInfo(runs.runId);
      const dest = join(this.deps.cacheDir, 'runs', runs.runId, encodeURIComponent(runs.path || '_root'));
      return { uri, runId: runs.runId, localDir: await this.fetchOnce(dest, info.artifactUri, runs.path) };
    }
    if (isModelsUri(uri)) {
      const parsed = parseModelUri(uri);
      if (parsed.kind === 'logged_model') {
        const model = await this.deps.loggedModels.get(parsed.modelId);
        const dest = join(this.deps.cacheDir, 'logged-models', parsed.modelId);
        return { uri, ...(model.sourceRunId ? { runId: model.sourceRunId } : {}), localDir: await this.fetchOnce(dest, model.artifactUri, '') };
      }
      const { version, downloadUri } = await this.deps.modelVersions.resolveModelUri(uri);
      const dest = join(this.deps.cacheDir, 'registry', encodeURIComponent(version.name), String(version.version));
      await this.fetchOnce(dest, downloadUri, '');
      return { uri, name: version.name, version: String(version.version), ...(version.runId ? { runId: version.runId } : {}), localDir: dest };
    }
    // Used in place, but only inside the artifact roots: an endpoint's model_uri is client input,
    // and a model folder elsewhere could be any of the server's files.
    if (isLocalArtifactUri(uri)) return { uri, localDir: this.deps.artifacts.localDirOf(uri, 'model_uri') };
    return { uri, localDir: await this.fetchFresh(uri, '') };
  }

  /**
   * Logged model files do not change once their MLmodel is written (it is written last), so a
   * folder holding an MLmodel is reused instead of downloaded again on every resolve.
   */
  private async fetchOnce(dest: string, rootUri: string, path: string): Promise<string> {
    if (!(await this.hasModel(dest))) await downloadAtomically(dest, (tmp) => this.download(rootUri, path, tmp));
    return dest;
  }

  private async fetchFresh(rootUri: string, path: string): Promise<string> {
    const dest = join(this.deps.cacheDir, 'uri', `${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await downloadAtomically(dest, (tmp) => this.download(rootUri, path, tmp));
    return dest;
  }

  private async hasModel(dir: string): Promise<boolean> {
    return stat(join(dir, 'MLmodel')).then(
      () => true,
      () => false,
    );
  }

  /** Copies folder `path` below `rootUri` into `dest`; returns `dest`. */
  private async download(rootUri: string, path: string, dest: string): Promise<string> {
    await mkdir(dest, { recursive: true });
    for (const entry of await this.deps.artifacts.listAt(rootUri, path)) {
      const name = entry.path.split('/').pop()!;
      if (entry.isDir) await this.download(rootUri, entry.path, join(dest, name));
      else {
        const file = await this.deps.artifacts.openAt(rootUri, entry.path);
        await pipeline(file.stream, createWriteStream(join(dest, name)));
      }
    }
    return dest;
  }
}
