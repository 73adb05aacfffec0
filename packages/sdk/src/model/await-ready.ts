import type { RegistryApi } from '../client/registry-api.js';
import type { ModelVersion } from '../entities.js';

/**
 * Waits while a version is PENDING_REGISTRATION (a server copying its files) and returns it once
 * READY; FAILED_REGISTRATION or the deadline is an error naming the version.
 */
export async function awaitReady(registry: RegistryApi, version: ModelVersion, timeoutMs = 300_000): Promise<ModelVersion> {
  let v = version;
  const deadline = Date.now() + timeoutMs;
  while (v.status === 'PENDING_REGISTRATION') {
    if (Date.now() > deadline) throw new Error(`model version ${v.name}/${v.version} is still PENDING_REGISTRATION after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 250));
    v = await registry.getModelVersion(v.name, v.version);
  }
  if (v.status !== 'READY') throw new Error(`model version ${v.name}/${v.version} ended ${v.status}: ${v.statusMessage ?? 'no message'}`);
  return v;
}
