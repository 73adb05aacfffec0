import { proxiedArtifactPath } from '@modelyard/sdk/client';
import { ARTIFACTS_PREFIX, mlflowGet, request } from './http.js';
import type { FileInfo } from './types.js';

export interface ArtifactListing {
  rootUri?: string;
  files: FileInfo[];
}

export async function listArtifacts(runId: string, path?: string, signal?: AbortSignal): Promise<ArtifactListing> {
  const body = await mlflowGet<{ root_uri?: string; files?: FileInfo[] }>('/artifacts/list', { run_id: runId, path }, signal);
  return { ...(body.root_uri ? { rootUri: body.root_uri } : {}), files: body.files ?? [] };
}

/**
 * The proxy URL of a run artifact. Runs on this server keep artifacts under an
 * `mlflow-artifacts:` root, which the artifact proxy serves by the same relative path; any other
 * root (a local folder, a bucket) is not reachable from a browser.
 */
export function artifactDownloadUrl(artifactUri: string, path: string): string {
  const base = proxiedArtifactPath(artifactUri);
  const rel = [base, path].filter((s) => s !== '').join('/');
  return `${ARTIFACTS_PREFIX}/artifacts/${rel.split('/').map(encodeURIComponent).join('/')}`;
}

/** The first `maxBytes` of an artifact as text, and whether there was more. */
export async function readArtifactText(
  artifactUri: string,
  path: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ text: string; truncated: boolean; size: number }> {
  const res = await request(artifactDownloadUrl(artifactUri, path), signal);
  const size = Number(res.headers.get('content-length') ?? '0');
  const reader = res.body?.getReader();
  if (!reader) return { text: '', truncated: false, size };
  const chunks: Uint8Array[] = [];
  let received = 0;
  while (received < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
  }
  const truncated = received > maxBytes || (size > 0 && size > received);
  await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(Math.min(received, maxBytes));
  let offset = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, all.byteLength - offset);
    all.set(c.subarray(0, take), offset);
    offset += take;
    if (offset >= all.byteLength) break;
  }
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(all), truncated, size };
}

export async function readArtifactBlob(artifactUri: string, path: string, signal?: AbortSignal): Promise<Blob> {
  const res = await request(artifactDownloadUrl(artifactUri, path), signal);
  return res.blob();
}
