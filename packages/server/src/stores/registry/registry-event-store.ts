import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { REGISTRY_EVENT_KINDS } from '../../domain/registry.js';
import type { RegistryEvent, RegistryEventKind } from '../../domain/registry.js';
import { pageOf, pageWindow } from '../search-sql/paging.js';

export interface RegistryEventQuery {
  name?: string | undefined;
  version?: number | undefined;
  kinds?: readonly RegistryEventKind[] | undefined;
  maxResults: number;
  pageToken?: string | undefined;
}

/** Reads the audit trail, oldest first (the order things happened in). */
export class RegistryEventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(q: RegistryEventQuery): Promise<{ events: RegistryEvent[]; nextPageToken?: string }> {
    const window = pageWindow(q.maxResults, q.pageToken);
    let query = this.db.selectFrom('registry_events').selectAll();
    if (q.name !== undefined) query = query.where('name', '=', q.name);
    if (q.version !== undefined) query = query.where('version', '=', q.version);
    if (q.kinds && q.kinds.length > 0) query = query.where('kind', 'in', [...q.kinds]);
    const rows = await query.orderBy('event_id').limit(window.limit).offset(window.offset).execute();
    const page = pageOf(rows, window);
    const events = page.items.map(
      (r): RegistryEvent => ({
        eventId: Number(r.event_id),
        name: r.name,
        version: r.version === null ? null : Number(r.version),
        kind: (REGISTRY_EVENT_KINDS as readonly string[]).includes(r.kind) ? (r.kind as RegistryEventKind) : 'stage_transition',
        alias: r.alias,
        fromValue: r.from_value,
        toValue: r.to_value,
        actor: r.actor,
        comment: r.comment,
        timestamp: Number(r.timestamp),
      }),
    );
    return page.nextPageToken ? { events, nextPageToken: page.nextPageToken } : { events };
  }
}
