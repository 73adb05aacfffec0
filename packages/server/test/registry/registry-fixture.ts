import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { resolveConfig } from '../../src/config/config.js';
import type { Config, ConfigInput } from '../../src/config/config.js';
import type { DbCaps } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { NotFoundError } from '../../src/errors.js';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { registerMlflowRoutes } from '../../src/http/routes/mlflow/index.js';
import { registerRegistryRoutes } from '../../src/http/routes/mlflow/registry/index.js';
import { createRegistryServices } from '../../src/services/registry/index.js';
import type { RegistryServices, WebhookDeliveryOptions } from '../../src/services/registry/index.js';
import type { ChangeListener } from '../../src/stores/registry/registry-write.js';
import { createServices } from '../../src/services/services.js';
import type { Services } from '../../src/services/services.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface RegistryFixture {
  config: Config;
  tracking: Services;
  registry: RegistryServices;
  /** Creates a run in the Default experiment and returns its id and artifact URI. */
  newRun(): Promise<{ runId: string; artifactUri: string }>;
  /** Inserts a logged model (MLflow 3) row the way the tracking store does. */
  newLoggedModel(opts: { runId?: string; artifactLocation: string }): Promise<string>;
  close(): void;
}

/**
 * Real tracking services and registry services over one migrated store (the dialect suite's),
 * wired the way the composition root wires them: the registry learns run artifact URIs and logged
 * models through the injected lookups.
 */
export async function createRegistryFixture(
  db: Kysely<Database>,
  caps: DbCaps,
  opts: { now?: () => number; onChange?: ChangeListener; webhooks?: WebhookDeliveryOptions; config?: ConfigInput } = {},
): Promise<RegistryFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-registry-'));
  const config = resolveConfig([{ dataDir: dir, logLevel: 'silent' }, opts.config ?? {}]);
  const tracking = await createServices({ db, caps, config, logger: silentLogger(), ...(opts.now ? { now: opts.now } : {}) });
  const registry = createRegistryServices({
    db,
    caps,
    config,
    now: opts.now,
    onChange: opts.onChange,
    webhooks: opts.webhooks,
    getRunArtifactUri: async (runId) => (await tracking.runs.getInfo(runId)).artifactUri,
    getLoggedModel: async (modelId) => {
      const row = await db
        .selectFrom('logged_models')
        .select(['artifact_location', 'source_run_id'])
        .where('model_id', '=', modelId)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`Logged model with ID '${modelId}' not found.`);
      return { artifactUri: row.artifact_location, sourceRunId: row.source_run_id };
    },
  });
  let modelCounter = 0;
  return {
    config,
    tracking,
    registry,
    async newRun() {
      const run = await tracking.runs.create({ experimentId: '0' });
      return { runId: run.info.runId, artifactUri: run.info.artifactUri };
    },
    async newLoggedModel({ runId, artifactLocation }) {
      const modelId = `m-${Date.now().toString(16)}${(modelCounter++).toString(16).padStart(4, '0')}`;
      await db
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: 0,
          name: 'model',
          artifact_location: artifactLocation,
          creation_timestamp_ms: 1,
          last_updated_timestamp_ms: 1,
          status: 'LOGGED_MODEL_READY',
          status_message: null,
          lifecycle_stage: 'active',
          model_type: null,
          source_run_id: runId ?? null,
        })
        .execute();
      return modelId;
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Fastify app configured like buildApp's, with the error model, tracking and registry routes. */
export async function buildRegistryTestApp(fixture: RegistryFixture): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, maxParamLength: 1000 } });
  registerErrorHandling(app, silentLogger());
  registerMlflowRoutes(app, fixture.tracking);
  registerRegistryRoutes(app, fixture.registry);
  await app.ready();
  return app;
}
