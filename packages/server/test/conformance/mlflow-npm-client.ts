import { createRequire } from 'node:module';
import type MLflowModule from 'mlflow';
import type * as MlflowEnums from 'mlflow/enum.js';
import type * as MlflowLib from 'mlflow/lib/mlflow.js';

/**
 * The npm package `mlflow` (a third-party MLflow REST client) loaded as its users load it.
 *
 * It is CommonJS whose index sets `module.exports` to the client class while its typings declare
 * an ES default export, so an ESM `import` sees a different shape than the types say; `require`
 * gives the runtime value and the casts give it the package's own types.
 */
const require = createRequire(import.meta.url);

export type MLflowClient = InstanceType<typeof MLflowModule.default>;
export const MLflow = require('mlflow') as typeof MLflowModule.default;
export const { ViewType, RunStatus } = require('mlflow/enum') as typeof MlflowEnums;
const { MLflowBase } = require('mlflow/lib/mlflow') as typeof MlflowLib;
export type MlflowViewType = (typeof ViewType)[keyof typeof ViewType];

/**
 * `Experiments.setExperimentTag` in mlflow@2.0.7 builds its URL without a slash
 * (`/experimentsset-experiment-tag`), so it can never reach any MLflow server. This sends the
 * same message to the right path through the package's own transport (`MLflowBase.req`), so the
 * server is still exercised by the client's serialisation and error handling.
 */
export class ExperimentTagCalls extends MLflowBase {
  constructor(endpoint: string) {
    super({ endpoint });
    this.path = '/experiments';
  }

  setExperimentTag(msg: { experiment_id: string; key: string; value: string }): Promise<unknown> {
    return this.req('post', '/set-experiment-tag', msg);
  }
}

export interface ClientFailure {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

/**
 * The client rejects non-200 answers with `new Error(new Error(JSON.stringify({status,
 * statusText, data})))`, i.e. a message like `Error: {"status":404,…}`; this recovers the
 * status and the server's error body from it.
 */
export async function clientFailure(call: Promise<unknown>): Promise<ClientFailure> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error)) throw new Error('expected the mlflow client call to fail, but it succeeded');
  const json = error.message.slice(error.message.indexOf('{'));
  const parsed = JSON.parse(json) as { status: number; data: unknown };
  return { status: parsed.status, data: parsed.data };
}
