import { MlflowApiError } from '../errors.js';
import type { Transport } from '../transport.js';

/** What a deploy or destroy did to one resource of a target. */
export interface BundleResourceChange {
  kind: 'job' | 'registered_model' | 'serving_endpoint';
  name: string;
  /** `kept`: a registered model left in place on removal because it holds versions. */
  action: 'created' | 'updated' | 'unchanged' | 'removed' | 'kept';
  jobId?: number;
  reason?: string;
}

export interface BundleDeployResult {
  project: string;
  target?: string;
  bundleSha256?: string;
  changes: BundleResourceChange[];
}

type Json = Record<string, any>;

const API = '/api/v1/bundles';

function toResult(j: Json): BundleDeployResult {
  return {
    project: j.project,
    ...(j.target !== undefined ? { target: j.target as string } : {}),
    ...(j.bundle_sha256 !== undefined ? { bundleSha256: j.bundle_sha256 as string } : {}),
    changes: (j.changes ?? []).map(
      (c: Json): BundleResourceChange => ({
        kind: c.kind,
        name: c.name,
        action: c.action,
        ...(c.job_id !== undefined ? { jobId: Number(c.job_id) } : {}),
        ...(c.reason !== undefined ? { reason: c.reason as string } : {}),
      }),
    ),
  };
}

/**
 * Modelyard's project bundles (`/api/v1/bundles/…`, what `modelyard deploy` calls): a project
 * folder packed as a `.tar.gz` named by its sha256, uploaded once, then deployed to a target.
 */
export class BundlesApi {
  constructor(private readonly t: Transport) {}

  /** Whether the server already holds the bundle (a redeploy of unchanged code uploads nothing). */
  async exists(sha256: string): Promise<boolean> {
    try {
      await this.t.get(`${API}/get`, { sha256 });
      return true;
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return false;
      throw e;
    }
  }

  /**
   * Uploads the bundle's bytes; `body` is called again on a retry, so it must open a new stream
   * each time (e.g. `() => Readable.toWeb(createReadStream(file))`).
   */
  async upload(sha256: string, body: () => NonNullable<RequestInit['body']>): Promise<{ created: boolean }> {
    const res = await this.t.request('PUT', `${API}/upload?sha256=${encodeURIComponent(sha256)}`, { body, contentType: 'application/gzip', duplex: true });
    const j = (await res.json()) as Json;
    return { created: Boolean(j.created) };
  }

  /** The bundle's bytes (a queue worker unpacks them into its cache). */
  async download(sha256: string): Promise<Response> {
    return this.t.request('GET', `${API}/download?sha256=${encodeURIComponent(sha256)}`);
  }

  /** Creates, updates and removes the target's jobs, registered models and serving endpoints to match the bundle's project file. */
  async deploy(opts: { sha256: string; projectFile?: string; target?: string }): Promise<BundleDeployResult> {
    return toResult(
      await this.t.post<Json>(`${API}/deploy`, {
        sha256: opts.sha256,
        ...(opts.projectFile !== undefined ? { project_file: opts.projectFile } : {}),
        ...(opts.target !== undefined ? { target: opts.target } : {}),
      }),
    );
  }

  /** Removes what the target deployed (registered models holding versions are kept). */
  async destroy(opts: { project: string; target?: string }): Promise<BundleDeployResult> {
    return toResult(await this.t.post<Json>(`${API}/destroy`, { project: opts.project, ...(opts.target !== undefined ? { target: opts.target } : {}) }));
  }
}
