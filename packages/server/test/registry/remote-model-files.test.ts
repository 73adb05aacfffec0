import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryRoutingModelSource } from '../../src/runtime/registry-routing-model-source.js';
import type { ModelSource } from '../../src/runtime/model-runtime.js';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * A pipeline's central registry is another server: what it answers must not make this server
 * read its own disk, or a bucket with its own cloud credentials. Only files the registry serves
 * over HTTP are fetched.
 */
describe('models from another registry', () => {
  let central: TestServer;
  const cache = mkdtempSync(join(tmpdir(), 'modelyard-remote-models-'));
  const ownSource: ModelSource = {
    resolve: () => Promise.reject(new Error('the local source must not be asked for a central registry model')),
  };

  beforeAll(async () => {
    central = await startTestServer();
    const http = new MlflowHttp(central.url);
    await http.ok('/registered-models/create', { name: 'elsewhere' });
    // MLflow accepts any non-local source; a bucket this server has no business reading.
    await http.ok('/model-versions/create', { name: 'elsewhere', source: 's3://someone-elses-bucket/model' });
  });
  afterAll(async () => {
    await central?.close();
    rmSync(cache, { recursive: true, force: true });
  });

  it('refuses a version whose files are not served by that registry over HTTP', async () => {
    const source = new RegistryRoutingModelSource(ownSource, cache);
    await expect(source.resolve('models:/elsewhere/1', { registryUri: central.url })).rejects.toThrow(
      /keeps its files at "s3:\/\/someone-elses-bucket\/model".*served by that server over HTTP/,
    );
  });
});
