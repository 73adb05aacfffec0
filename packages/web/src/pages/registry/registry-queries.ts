import type { ModelVersion, RegistryEvent } from '@modelyard/sdk/client';
import { sdk } from '../../sdk-client.js';

/** Where the history stops: a model with more audit events than this shows the latest ones. */
const MAX_EVENTS = 10_000;

/** Every version matching `filter` (a model's, a run's), newest first, following pages. */
export async function searchAllVersions(filter: string): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await sdk().registry.searchModelVersions({ filter, orderBy: ['version_number DESC'], maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

/** The audit trail of one model (optionally one version), newest first. */
export async function modelHistory(name: string, version?: string): Promise<RegistryEvent[]> {
  const out: RegistryEvent[] = [];
  let pageToken: string | undefined;
  do {
    const page = await sdk().registryGovernance.listEvents({ name, ...(version ? { version } : {}), maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && out.length < MAX_EVENTS);
  // The server answers oldest first (an append-only log); the UI reads the latest change first.
  return out.reverse();
}
