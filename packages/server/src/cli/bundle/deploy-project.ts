import { createReadStream } from 'node:fs';
import { relative } from 'node:path';
import { Readable } from 'node:stream';
import type { BundleDeployResult, BundleResourceChange, Client } from '@modelyard/sdk';
import { InvalidParameterError } from '../../errors.js';
import type { ProjectSpec } from '../../domain/pipelines/project-model.js';
import { packBundle } from './pack-bundle.js';

/**
 * The server a project is deployed to: `--tracking-uri`, else the target's `workspace.tracking_uri`
 * when it names a server, else MLFLOW_TRACKING_URI (the SDK's default chain). A target tracking
 * to a database cannot be deployed to over HTTP: the message says what to do instead.
 */
export function deployServerOf(spec: ProjectSpec, flagUri: string | undefined): string | undefined {
  if (flagUri) return flagUri;
  const uri = spec.workspace.trackingUri;
  if (!uri) return undefined;
  if (/^https?:\/\//i.test(uri)) return uri;
  throw new InvalidParameterError(
    `target '${spec.target ?? ''}' tracks to ${uri}, a database, not a server: deploy to a server with --tracking-uri http://…, or run a job on that store here with modelyard run <job> --local`,
  );
}

export interface DeployedProject {
  result: BundleDeployResult;
  sha256: string;
  fileCount: number;
  sizeBytes: number;
  uploaded: boolean;
}

/** Packs the project folder, uploads the bundle unless the server has it, and deploys the target. */
export async function deployProject(client: Client, spec: ProjectSpec, projectDir: string, projectFilePath: string): Promise<DeployedProject> {
  const packed = await packBundle(projectDir, spec.sync?.exclude ?? []);
  try {
    let uploaded = false;
    if (!(await client.bundles.exists(packed.sha256))) {
      await client.bundles.upload(packed.sha256, () => Readable.toWeb(createReadStream(packed.file)) as unknown as ReadableStream);
      uploaded = true;
    }
    const projectFile = relative(projectDir, projectFilePath).split('\\').join('/');
    const result = await client.bundles.deploy({ sha256: packed.sha256, projectFile, ...(spec.target !== undefined ? { target: spec.target } : {}) });
    return { result, sha256: packed.sha256, fileCount: packed.fileCount, sizeBytes: packed.sizeBytes, uploaded };
  } finally {
    packed.dispose();
  }
}

const KIND: Record<BundleResourceChange['kind'], string> = { job: 'job', registered_model: 'registered model', serving_endpoint: 'serving endpoint' };

export function describeChange(c: BundleResourceChange): string {
  return `${c.action.padEnd(9)} ${KIND[c.kind]} ${c.name}${c.jobId !== undefined ? ` (job ${c.jobId})` : ''}${c.reason ? `: ${c.reason}` : ''}`;
}

/** `2 created, 1 updated, 0 removed, 3 unchanged`. */
export function summarizeChanges(changes: BundleResourceChange[]): string {
  const n = (a: BundleResourceChange['action']) => changes.filter((c) => c.action === a).length;
  const kept = n('kept');
  return `${n('created')} created, ${n('updated')} updated, ${n('removed')} removed, ${n('unchanged')} unchanged${kept ? `, ${kept} kept` : ''}`;
}
