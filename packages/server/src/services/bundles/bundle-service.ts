import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { joinArtifactPath } from '../../artifacts/artifact-path.js';
import type { ArtifactLocation } from '../../artifacts/artifact-repository.js';
import { bundleArtifactPath, checkSha256 } from '../../domain/pipelines/bundle-ref.js';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { checkBundleEntries } from './bundle-entries.js';
import { BundleCache, receiveBundle } from './bundle-cache.js';

export interface BundleServiceDeps {
  /** The artifacts destination: bundles are stored as `modelyard-bundles/<sha256>.tar.gz` there. */
  destination: ArtifactLocation;
  /** Uploads are received here before they are checked (`<dataDir>/bundle-uploads`). */
  uploadDir: string;
  /** Where this process unpacks bundles to run their tasks (`<dataDir>/bundle-cache`). */
  cacheDir: string;
  maxBytes: number;
}

/**
 * Project bundles on the server: received (size-limited, verified against the sha256 they are
 * named by, every tar entry checked), stored once in the artifacts destination, served to queue
 * workers, and unpacked into this process's cache to run tasks and read the project file.
 */
export class BundleService {
  readonly cache: BundleCache;

  constructor(private readonly deps: BundleServiceDeps) {
    this.cache = new BundleCache(deps.cacheDir, { maxBytes: deps.maxBytes });
  }

  get maxBytes(): number {
    return this.deps.maxBytes;
  }

  private path(sha256: string): string {
    return joinArtifactPath(this.deps.destination.basePath, bundleArtifactPath(sha256));
  }

  async exists(sha256: string): Promise<boolean> {
    return this.deps.destination.repository.exists(this.path(checkSha256(sha256)));
  }

  /**
   * Stores an uploaded bundle. Idempotent: the same bytes again change nothing. Refused with 400
   * when larger than the limit, when its sha256 is not `sha256`, or when an entry could escape the
   * folder it is unpacked into.
   */
  async upload(sha256: string, body: Readable, declaredLength?: number): Promise<{ created: boolean; size: number }> {
    checkSha256(sha256);
    if (declaredLength !== undefined && declaredLength > this.deps.maxBytes) {
      body.resume();
      throw new InvalidParameterError(`the bundle is ${declaredLength} bytes, larger than this server's limit of ${this.deps.maxBytes} bytes (max_bundle_bytes); leave data and build outputs out with .gitignore or sync.exclude in modelyard.yaml`);
    }
    await mkdir(this.deps.uploadDir, { recursive: true });
    const file = join(this.deps.uploadDir, `${randomUUID()}.tar.gz`);
    try {
      const got = await receiveBundle(body, file, this.deps.maxBytes);
      if (got.sha256 !== sha256) throw new InvalidParameterError(`the uploaded bundle's sha256 is ${got.sha256}, not ${sha256} as named: the upload was altered or cut short; upload it again`);
      await checkBundleEntries(file);
      if (await this.exists(sha256)) return { created: false, size: got.size };
      await this.deps.destination.repository.write(this.path(sha256), createReadStream(file));
      return { created: true, size: got.size };
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The stored bundle's bytes (queue workers download it to unpack into their own cache). */
  async open(sha256: string): Promise<{ stream: Readable; size: number }> {
    try {
      const r = await this.deps.destination.repository.openRead(this.path(checkSha256(sha256)));
      return { stream: r.stream, size: r.size };
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(`bundle ${sha256} does not exist on this server; deploy it with modelyard deploy`);
      throw e;
    }
  }

  /** This process's unpacked copy of the bundle. */
  checkout(sha256: string): Promise<string> {
    return this.cache.checkout(sha256, async () => (await this.open(sha256)).stream);
  }
}
