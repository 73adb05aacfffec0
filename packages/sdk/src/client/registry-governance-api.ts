import type { Page, Stage } from '../entities.js';
import type { Transport } from '../transport.js';

/** One audit-trail entry of Modelyard's registry: what moved on which model version, by whom. */
export interface RegistryEvent {
  eventId: number;
  name: string;
  version?: string;
  /** e.g. `stage_transition`, `alias_set`, `transition_requested`, `version_created`. */
  kind: string;
  alias?: string;
  from?: string;
  to?: string;
  actor: string;
  comment?: string;
  timestamp: number;
}

/** A transition request or what happened to it (Databricks' "activity"). */
export interface TransitionActivity {
  id?: string;
  activityType?: string;
  toStage: string;
  fromStage?: string;
  userId?: string;
  comment?: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
}

type Json = Record<string, any>;

const API = '/api/2.0/mlflow';
const EVENTS = '/api/v1/registry/events';

function toEvent(j: Json): RegistryEvent {
  return {
    eventId: Number(j.event_id),
    name: j.name,
    ...(j.version !== undefined && j.version !== null ? { version: String(j.version) } : {}),
    kind: j.kind,
    ...(j.alias ? { alias: j.alias } : {}),
    ...(j.from !== undefined && j.from !== null ? { from: j.from } : {}),
    ...(j.to !== undefined && j.to !== null ? { to: j.to } : {}),
    actor: j.actor ?? '',
    ...(j.comment ? { comment: j.comment } : {}),
    timestamp: Number(j.timestamp),
  };
}

function toActivity(j: Json): TransitionActivity {
  return {
    ...(j.id !== undefined ? { id: String(j.id) } : {}),
    ...(j.activity_type ? { activityType: j.activity_type } : {}),
    toStage: j.to_stage,
    ...(j.from_stage ? { fromStage: j.from_stage } : {}),
    ...(j.user_id ? { userId: j.user_id } : {}),
    ...(j.comment ? { comment: j.comment } : {}),
    ...(j.creation_timestamp !== undefined ? { creationTimestamp: Number(j.creation_timestamp) } : {}),
    ...(j.last_updated_timestamp !== undefined ? { lastUpdatedTimestamp: Number(j.last_updated_timestamp) } : {}),
  };
}

/**
 * What Modelyard's registry adds to MLflow OSS: the audit trail (`/api/v1/registry/events`) and
 * stage-transition requests in Databricks' `/transition-requests/...` shapes. A plain MLflow
 * server answers these with ENDPOINT_NOT_FOUND.
 */
export class RegistryGovernanceApi {
  constructor(private readonly t: Transport) {}

  /** Audit events, oldest first; filter by model, version and event kinds. */
  async listEvents(opts: { name?: string; version?: string; kinds?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<RegistryEvent>> {
    const r = await this.t.get<{ events?: Json[]; next_page_token?: string }>(EVENTS, {
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.version ? { version: opts.version } : {}),
      ...(opts.kinds && opts.kinds.length > 0 ? { kind: opts.kinds } : {}),
      ...(opts.maxResults !== undefined ? { max_results: opts.maxResults } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    });
    return { items: (r.events ?? []).map(toEvent), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  /** Every audit event matching the filter, following page tokens. */
  async allEvents(opts: { name?: string; version?: string; kinds?: string[] } = {}): Promise<RegistryEvent[]> {
    const out: RegistryEvent[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.listEvents({ ...opts, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  async createTransitionRequest(name: string, version: string, stage: Stage, comment?: string): Promise<TransitionActivity> {
    const r = await this.t.post<{ request: Json }>(`${API}/transition-requests/create`, { name, version, stage, ...(comment ? { comment } : {}) });
    return toActivity(r.request);
  }

  /** Open (pending) requests of one version. */
  async listTransitionRequests(name: string, version: string): Promise<TransitionActivity[]> {
    const r = await this.t.get<{ requests?: Json[] }>(`${API}/transition-requests/list`, { name, version });
    return (r.requests ?? []).map(toActivity);
  }

  /** Approving performs the transition. */
  async approveTransitionRequest(
    name: string,
    version: string,
    stage: Stage,
    opts: { archiveExistingVersions?: boolean; comment?: string } = {},
  ): Promise<TransitionActivity> {
    const r = await this.t.post<{ activity: Json }>(`${API}/transition-requests/approve`, {
      name,
      version,
      stage,
      archive_existing_versions: opts.archiveExistingVersions ?? false,
      ...(opts.comment ? { comment: opts.comment } : {}),
    });
    return toActivity(r.activity);
  }

  async rejectTransitionRequest(name: string, version: string, stage: Stage, comment?: string): Promise<TransitionActivity> {
    const r = await this.t.post<{ activity: Json }>(`${API}/transition-requests/reject`, { name, version, stage, ...(comment ? { comment } : {}) });
    return toActivity(r.activity);
  }

  /** Withdraws the open request `creator` made. */
  async cancelTransitionRequest(name: string, version: string, stage: Stage, creator: string, comment?: string): Promise<TransitionActivity> {
    const r = await this.t.delete<{ activity: Json }>(`${API}/transition-requests/delete`, { name, version, stage, creator, ...(comment ? { comment } : {}) });
    return toActivity(r.activity);
  }
}
