import { toFileInfo } from './client/mappers.js';
import type { FileInfo } from './entities.js';
import type { Transport } from './transport.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const LOGGED_MODELS = '/api/2.0/mlflow/logged-models';

/** Anything a page can upload: fetch sends each of these as the raw request body. */
export type ArtifactBody = Blob | ArrayBuffer | Uint8Array<ArrayBuffer> | string;

/**
 * The path behind the server's artifact proxy of an `mlflow-artifacts:` URI. A page cannot open
 * a local folder or an object store itself, so any other URI is refused with a message that says so.
 */
export function proxiedArtifactPath(uri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (m) return m[1]!.replace(/\/+$/, '');
  throw new Error(
    `artifact URI '${uri}' is not behind the server's artifact proxy (mlflow-artifacts:/); a browser can only read proxied artifacts — list them with listRunArtifacts, or run the server with proxied artifact storage`,
  );
}

const joinPath = (...parts: string[]) => parts.filter((p) => p !== '').join('/').replace(/\/+/g, '/');
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/**
 * Artifact listing, reading and upload over HTTP only: through MLflow's artifacts/list, the
 * server's artifact proxy and the logged-model artifact routes. Contents come back as Blob,
 * ArrayBuffer or text, never written to disk.
 */
export class BrowserArtifactsApi {
  constructor(private readonly t: Transport) {}

  /** A run's artifacts at `path` (MLflow's artifacts/list), whatever store the server uses. */
  async listRunArtifacts(runId: string, path = ''): Promise<FileInfo[]> {
    const r = await this.t.get<{ files?: object[] }>('/api/2.0/mlflow/artifacts/list', { run_id: runId, ...(path ? { path } : {}) });
    return (r.files ?? []).map(toFileInfo);
  }

  /** Lists below a proxied artifact root URI; `path` is relative to the root, and so are the results. */
  async list(rootUri: string, path = ''): Promise<FileInfo[]> {
    const r = await this.t.get<{ files?: Array<{ path: string; is_dir?: boolean; file_size?: number }> }>(PROXY, {
      path: joinPath(proxiedArtifactPath(rootUri), path),
    });
    return (r.files ?? []).map((f) => toFileInfo({ ...f, path: joinPath(path, f.path.split('/').pop()!) }));
  }

  async readBlob(rootUri: string, artifactPath: string): Promise<Blob> {
    return (await this.fetchFile(rootUri, artifactPath)).blob();
  }

  async readArrayBuffer(rootUri: string, artifactPath: string): Promise<ArrayBuffer> {
    return (await this.fetchFile(rootUri, artifactPath)).arrayBuffer();
  }

  async readText(rootUri: string, artifactPath: string): Promise<string> {
    return (await this.fetchFile(rootUri, artifactPath)).text();
  }

  /**
   * The first `maxBytes` of an artifact as UTF-8 text, for a preview: the rest of the file is not
   * downloaded. `size` is the whole file's (from Content-Length; 0 when the server sent none).
   */
  async readTextHead(rootUri: string, artifactPath: string, maxBytes: number): Promise<{ text: string; truncated: boolean; size: number }> {
    const res = await this.fetchFile(rootUri, artifactPath);
    const size = Number(res.headers.get('content-length') ?? '0');
    const reader = res.body?.getReader();
    if (!reader) return { text: '', truncated: false, size };
    const head = new Uint8Array(maxBytes);
    let received = 0;
    let more = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, maxBytes - received);
      head.set(value.subarray(0, take), received);
      received += take;
      if (take < value.byteLength) {
        more = true;
        break;
      }
      if (received >= maxBytes) {
        more = !(await reader.read()).done;
        break;
      }
    }
    await reader.cancel().catch(() => undefined);
    const truncated = more || (size > 0 && size > received);
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, received)), truncated, size };
  }

  /**
   * The absolute URL of a proxied artifact, for a link or an <img>. The browser fetches it itself,
   * so it carries the page's cookies but not this client's Authorization header.
   */
  downloadUrl(rootUri: string, artifactPath: string): string {
    return `${this.t.baseUrl}${PROXY}/${encodePath(joinPath(proxiedArtifactPath(rootUri), artifactPath))}`;
  }

  /** Uploads one file's contents to `<rootUri>/<artifactPath>` through the proxy. */
  async upload(rootUri: string, artifactPath: string, data: ArtifactBody): Promise<void> {
    const blob = data instanceof Blob ? data : new Blob([data]);
    await this.t.request('PUT', `${PROXY}/${encodePath(joinPath(proxiedArtifactPath(rootUri), artifactPath))}`, {
      // A factory, so a retry sends the Blob again rather than a consumed body.
      body: () => blob,
      contentType: 'application/octet-stream',
    });
  }

  /** A logged model's artifacts at `path` (MLflow 3's logged-model artifact listing). */
  async listLoggedModelArtifacts(modelId: string, path = ''): Promise<FileInfo[]> {
    const r = await this.t.get<{ files?: object[] }>(`${LOGGED_MODELS}/${encodeURIComponent(modelId)}/artifacts/directories`, {
      ...(path ? { artifact_directory_path: path } : {}),
    });
    return (r.files ?? []).map(toFileInfo);
  }

  /** One file of a logged model, e.g. `MLmodel` or `model.onnx`. */
  async readLoggedModelArtifact(modelId: string, artifactPath: string): Promise<Blob> {
    const res = await this.t.request('GET', `${LOGGED_MODELS}/${encodeURIComponent(modelId)}/artifacts/files?${new URLSearchParams({ artifact_file_path: artifactPath })}`);
    return res.blob();
  }

  private fetchFile(rootUri: string, artifactPath: string): Promise<Response> {
    return this.t.request('GET', `${PROXY}/${encodePath(joinPath(proxiedArtifactPath(rootUri), artifactPath))}`);
  }
}
