import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelyard/sdk';
import { ClientModelSource } from './client-model-source.js';
import type { ModelSource, ResolveOptions, ResolvedModelFiles } from './model-runtime.js';

/** `models:/<name>/…` and `models:/<name>@…`: what a registry resolves (not `models:/m-<id>`, a tracking server's logged model). */
export function namesRegisteredModel(uri: string): boolean {
  return /^models:/i.test(uri) && !/^models:\/+m-[0-9a-f]+\/?$/i.test(uri);
}

/**
 * The process's own source for everything, except registered-model URIs asked for with another
 * `registryUri` (a pipeline's central registry): those resolve through that server's MLflow API
 * and download into `<cacheDir>/registries/<hash of the URI>/`, so two registries' "version 3"
 * never share a folder. `runs:/` and `models:/m-…` stay with the process's own tracking store, as
 * in MLflow, where only registered models move to the registry URI.
 */
export class RegistryRoutingModelSource implements ModelSource {
  private readonly remotes = new Map<string, ClientModelSource>();

  constructor(
    private readonly local: ModelSource,
    private readonly cacheDir: string,
  ) {}

  async resolve(uri: string, opts?: ResolveOptions): Promise<ResolvedModelFiles> {
    const registryUri = opts?.registryUri?.replace(/\/+$/, '');
    if (!registryUri || !namesRegisteredModel(uri)) return this.local.resolve(uri);
    const files = await this.remote(registryUri).resolve(uri);
    return { ...files, registryUri };
  }

  private remote(registryUri: string): ClientModelSource {
    let source = this.remotes.get(registryUri);
    if (!source) {
      const folder = createHash('sha256').update(registryUri).digest('hex').slice(0, 16);
      // env {}: this process's MLFLOW_* variables describe other servers than this registry.
      const client = new Client({ trackingUri: registryUri, registryUri, env: {}, maxRetries: 3, backoffMs: 100 });
      source = new ClientModelSource(client, { cacheDir: join(this.cacheDir, 'registries', folder), remoteFilesOnly: true });
      this.remotes.set(registryUri, source);
    }
    return source;
  }
}
