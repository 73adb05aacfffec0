import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { describeEachServer } from '../../server/test/helpers/mlflow-http.js';
import { MlflowApiError, Tracker, loadModelWith, logModelWith, signatureFromSchemas } from '../src/index.js';
import { PIMA_CSV } from '../../server/test/helpers/datasets.js';

const DATA = PIMA_CSV;

// Store-touching paths on both dialects: one real server per dialect (SQLite file, PostgreSQL).
describeEachServer('@modelyard/sdk registry flow against a real server', (ctx) => {
  let tracker: Tracker;
  beforeAll(() => {
    tracker = new Tracker({ trackingUri: ctx.server.url, env: {} });
  });

  it('registers logged models, promotes and aliases them, and loads every models:/ URI form', async () => {
    const frame = parseCsv(readFileSync(DATA, 'utf8'));
    const features = frame.drop(['Outcome']);
    const rows = features.head(3).toRecords();
    const fit = (c: number) => new Pipeline([new StandardScaler()], new LogisticRegression({ c })).fit(frame, 'Outcome');
    await tracker.setExperiment('sdk-registry');
    const versions: string[] = [];
    const pipelines = [fit(0.001), fit(100)];
    for (const p of pipelines) {
      const info = await tracker.withRun({}, () =>
        logModelWith(tracker, toOnnx(p, { name: 'pima' }), {
          signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()),
          registeredModelName: 'diabetes-classifier',
        }),
      );
      expect(info.registeredVersion?.status).toBe('READY');
      versions.push(info.registeredVersion!.version);
    }
    expect(versions).toEqual(['1', '2']);
    const registry = tracker.client.registry;
    await registry.transitionModelVersionStage('diabetes-classifier', '1', 'Production');
    await registry.setAlias('diabetes-classifier', 'champion', '2');

    const expectSameAs = async (uri: string, p: Pipeline, version: string) => {
      const model = await loadModelWith(tracker.client, uri);
      expect(model.version?.version).toBe(version);
      expect((await model.predict(rows)).predictions).toEqual(Array.from(p.predict(features.head(3))));
      const probs = (await model.predict(rows)).probabilities!;
      const want = p.predictProba(features.head(3));
      probs.forEach((r, i) => r.forEach((v, k) => expect(Math.abs(v - want[i]![k]!)).toBeLessThanOrEqual(1e-5)));
    };
    await expectSameAs('models:/diabetes-classifier/1', pipelines[0]!, '1');
    await expectSameAs('models:/diabetes-classifier/Production', pipelines[0]!, '1');
    await expectSameAs('models:/diabetes-classifier@champion', pipelines[1]!, '2');
    await expectSameAs('models:/diabetes-classifier/latest', pipelines[1]!, '2');

    const missing = await loadModelWith(tracker.client, 'models:/diabetes-classifier@nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MlflowApiError);
    expect((missing as MlflowApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    await expect(loadModelWith(tracker.client, 'models:/diabetes-classifier/Staging')).rejects.toThrow(/no version in stage Staging/);
  });
});
