import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createArtifactRepositories } from '../../src/artifacts/artifact-repositories.js';
import { resolveConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/config.js';
import { NotFoundError } from '../../src/errors.js';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { registerArtifactProxyRoutes } from '../../src/http/routes/mlflow-artifacts/proxy.js';
import { registerArtifactListRoutes } from '../../src/http/routes/mlflow/artifacts.js';
import { ArtifactService } from '../../src/services/artifacts/artifact-service.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface ArtifactTestApp {
  app: FastifyInstance;
  config: Config;
  /** Temp folder holding everything; `artifactsDir` is inside it. */
  dir: string;
  artifactsDir: string;
  /** Runs the list route knows: run id → artifact_uri (what the run store would answer). */
  runs: Map<string, string>;
  close(): Promise<void>;
}

/**
 * The errors plugin plus the artifact routes on a Fastify app configured like `buildApp`, over a
 * temp artifacts destination. The JSON body limit is 1 MiB so tests can show uploads ignore it.
 */
export async function startArtifactTestApp(): Promise<ArtifactTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-artifacts-'));
  // Local run roots under <dir>/local-store are served (--allowed-artifact-roots), as a team's NFS share would be.
  const config = resolveConfig([{ dataDir: dir, bodyLimitBytes: 1024 * 1024, logLevel: 'silent', allowedArtifactRoots: join(dir, 'local-store') }]);
  const runs = new Map<string, string>();
  const artifacts = new ArtifactService({
    repos: createArtifactRepositories(config),
    config,
    runArtifactUri: async (runId) => {
      const uri = runs.get(runId);
      if (uri === undefined) throw new NotFoundError(`Run with id=${runId} not found`);
      return uri;
    },
  });
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  registerErrorHandling(app, silentLogger());
  registerArtifactListRoutes(app, { artifacts });
  registerArtifactProxyRoutes(app, { artifacts });
  await app.ready();
  return {
    app,
    config,
    dir,
    artifactsDir: config.artifactsDestination,
    runs,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
