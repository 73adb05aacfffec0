import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { joinArtifactPath } from '../../artifacts/artifact-path.js';
import type { ArtifactLocation } from '../../artifacts/artifact-repository.js';
import { BUNDLES_ARTIFACT_DIR } from '../../domain/pipelines/bundle-ref.js';
import type { BundleRef } from '../../domain/pipelines/bundle-ref.js';
import { NotFoundError } from '../../errors.js';

/** What one (project, target) deployment manages; the next deploy and `destroy` read it. */
export interface DeploymentState {
  project: string;
  /** '' without a target. */
  target: string;
  bundle: BundleRef;
  deployedTime: number;
  actor: string | null;
  jobs: string[];
  registeredModels: string[];
  servingEndpoints: string[];
}

/**
 * Deployment states as small JSON files in the artifacts destination
 * (`modelyard-bundles/deployments/<sha256 of project and target>.json`): beside the bundles they
 * name, and shared by every server process on the same destination. The file name is a hash so
 * that any project or target name is a safe path.
 */
export class DeploymentStateStore {
  constructor(private readonly destination: ArtifactLocation) {}

  private path(project: string, target: string): string {
    const id = createHash('sha256').update(`${project}\0${target}`).digest('hex');
    return joinArtifactPath(this.destination.basePath, `${BUNDLES_ARTIFACT_DIR}/deployments/${id}.json`);
  }

  async read(project: string, target: string): Promise<DeploymentState | undefined> {
    let stream: Readable;
    try {
      stream = (await this.destination.repository.openRead(this.path(project, target))).stream;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeploymentState;
  }

  async write(state: DeploymentState): Promise<void> {
    await this.destination.repository.write(this.path(state.project, state.target), Readable.from([Buffer.from(JSON.stringify(state))]));
  }

  async remove(project: string, target: string): Promise<void> {
    await this.destination.repository.delete(this.path(project, target));
  }
}
