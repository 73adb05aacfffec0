import { InvalidParameterError } from '../../errors.js';
import { REGISTRY_EVENT_KINDS } from '../../domain/registry.js';
import type { RegistryEvent, RegistryEventKind } from '../../domain/registry.js';
import { checkMaxResults } from '../../stores/search-sql/paging.js';
import type { RegistryServiceDeps } from './registry-deps.js';
import { parseVersion, validateModelName } from './registry-validation.js';

export const EVENT_LIST_LIMITS = { defaultMaxResults: 1000, maxResults: 10_000 } as const;

export interface ListEventsInput {
  name?: string | undefined;
  version?: string | number | undefined;
  kinds?: readonly string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/** The registry's audit trail: who moved which version or alias, when, and why. */
export class RegistryEventService {
  constructor(private readonly deps: RegistryServiceDeps) {}

  async list(q: ListEventsInput): Promise<{ events: RegistryEvent[]; nextPageToken?: string }> {
    const maxResults = q.maxResults ?? EVENT_LIST_LIMITS.defaultMaxResults;
    checkMaxResults(maxResults, EVENT_LIST_LIMITS.maxResults);
    for (const k of q.kinds ?? []) {
      if (!(REGISTRY_EVENT_KINDS as readonly string[]).includes(k)) {
        throw new InvalidParameterError(`Invalid event kind '${k}'; valid kinds are ${REGISTRY_EVENT_KINDS.join(', ')}`);
      }
    }
    return this.deps.stores.events.list({
      name: q.name === undefined ? undefined : validateModelName(q.name),
      version: q.version === undefined || q.version === '' ? undefined : parseVersion(q.version),
      kinds: q.kinds as readonly RegistryEventKind[] | undefined,
      maxResults,
      pageToken: q.pageToken,
    });
  }
}
