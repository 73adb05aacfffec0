import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogisticRegression, OneHotEncoder, Pipeline, RidgeRegression, SimpleImputer, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { Client, Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import { ClientModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { datasetPath } from '../helpers/datasets.js';


export function pimaFrame(): DataFrame {
  return parseCsv(readFileSync(datasetPath('pima_diabetes.csv'), 'utf8'));
}

/** 442 rows with empty cells and a categorical SEX column: exercises imputing and string inputs. */
export function diabetesFrame(): DataFrame {
  return parseCsv(readFileSync(datasetPath('sklearn_diabetes_raw.csv'), 'utf8'));
}

export function trainClassifier(c = 1): Pipeline {
  return new Pipeline([new StandardScaler()], new LogisticRegression({ c })).fit(pimaFrame(), 'Outcome');
}

export function trainRegressor(alpha = 1): Pipeline {
  return new Pipeline([new SimpleImputer(), new OneHotEncoder(), new StandardScaler()], new RidgeRegression({ alpha })).fit(diabetesFrame(), 'Y');
}

/** Logs `pipeline` in a new run and registers it as the next version of `name`; returns the version. */
export async function logAndRegister(tracker: Tracker, pipeline: Pipeline, name: string): Promise<string> {
  const info = await tracker.withRun({}, () =>
    logModelWith(tracker, toOnnx(pipeline, { name }), {
      signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
      registeredModelName: name,
    }),
  );
  return info.registeredVersion!.version;
}

/** A runtime resolving URIs through the SDK client against `trackingUri` (what `modelyard serve` does). */
export function clientRuntime(trackingUri: string, cacheDir: string): ModelRuntime {
  return new ModelRuntime({ source: new ClientModelSource(new Client({ trackingUri, env: {} }), { cacheDir }) });
}

/** GET `url` and its JSON answer (the text when it is not JSON). */
export async function getJson(url: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url);
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    return { status: res.status, json: text };
  }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}
