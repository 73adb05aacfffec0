import { ModelInputError } from '@modelyard/sdk';
import { isAppError } from '../../errors.js';
import type { BorrowedModel } from '../model-slot.js';
import type { JsonlInferenceLog } from './inference-log.js';
import { parseScoringRequest, scoringFormatOf } from './scoring-request.js';
import type { ScoringInput } from './scoring-request.js';
import type { ServingMetrics } from './serving-metrics.js';

/** Response headers naming what answered; every scoring response carries them when known. */
export const SERVED_MODEL_HEADER = 'x-modelyard-served-model';
export const MODEL_NAME_HEADER = 'x-modelyard-model-name';
export const MODEL_VERSION_HEADER = 'x-modelyard-model-version';

export interface InvocationResult {
  status: number;
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
}

export interface InvocationContext {
  /** Metric label and log field: the endpoint name, or `invocations` for `modelyard serve`. */
  endpoint: string;
  /** Which served model of the endpoint this is (its name), for headers and logs. */
  servedModel: string;
  /** Undefined when no model is loaded (yet): answered 503. */
  borrowed: BorrowedModel | undefined;
  metrics?: ServingMetrics | undefined;
  inferenceLog?: JsonlInferenceLog | undefined;
  /** Called for errors that are the server's fault (logged, answered with a generic message). */
  onInternalError?: ((err: unknown) => void) | undefined;
}

/**
 * Scores one request with MLflow's protocol: parse (JSON in four shapes, or CSV) → check against
 * the signature → run → `{"predictions": [...]}`. Every failure becomes MLflow's error JSON; a
 * client mistake is a 400 that names the column, type or body problem.
 */
export async function invokeModel(ctx: InvocationContext, contentType: string | undefined, body: string): Promise<InvocationResult> {
  const started = performance.now();
  const borrowed = ctx.borrowed;
  const model = borrowed?.model;
  const headers: Record<string, string> = { 'content-type': 'application/json', [SERVED_MODEL_HEADER]: ctx.servedModel };
  if (model?.name !== undefined) headers[MODEL_NAME_HEADER] = model.name;
  if (model?.version !== undefined) headers[MODEL_VERSION_HEADER] = model.version;
  const labels = { endpoint: ctx.endpoint, modelName: model?.name ?? ctx.servedModel, modelVersion: model?.version ?? '' };
  let input: ScoringInput | undefined;
  let status = 200;
  let errorCode: string | undefined;
  let payload: string;
  let predictions: unknown[] | undefined;
  try {
    if (!model) {
      status = 503;
      errorCode = 'TEMPORARILY_UNAVAILABLE';
      payload = JSON.stringify({ error_code: errorCode, message: `served model '${ctx.servedModel}' has no model loaded yet; retry shortly` });
    } else {
      input = parseScoringRequest(scoringFormatOf(contentType), body, model.signature?.inputs);
      if (input.rows === 0) throw new ModelInputError('the request has no rows to score');
      const wantProbabilities = input.params?.probabilities === true || input.params?.predict_proba === true;
      const result = await model.predictCoalesced(input.columns, input.rows, { params: input.params, probabilities: wantProbabilities });
      predictions = result.predictions;
      // JSON.stringify writes NaN and ±Infinity as null, as MLflow's encoder does; no replacer
      // function, which would be called for every value (3x slower on a 1,000-row answer).
      payload = JSON.stringify(wantProbabilities && result.probabilities ? { predictions, probabilities: result.probabilities } : { predictions });
    }
  } catch (err) {
    ({ status, errorCode, payload } = errorResponse(err, ctx));
  } finally {
    borrowed?.release();
  }
  const seconds = (performance.now() - started) / 1000;
  ctx.metrics?.observe(labels, status, seconds, status === 200 ? (input?.rows ?? 0) : 0, errorCode);
  if (ctx.inferenceLog) {
    ctx.inferenceLog.append({
      timestamp: new Date().toISOString(),
      endpoint: ctx.endpoint,
      servedModel: ctx.servedModel,
      ...(model?.name !== undefined ? { modelName: model.name } : {}),
      ...(model?.version !== undefined ? { modelVersion: model.version } : {}),
      latencyMs: seconds * 1000,
      status,
      ...(input ? { inputs: Object.fromEntries(input.columns) } : {}),
      ...(predictions ? { predictions } : {}),
      ...(errorCode ? { errorCode } : {}),
    });
  }
  return { status, headers, body: payload };
}

function errorResponse(err: unknown, ctx: InvocationContext): { status: number; errorCode: string; payload: string } {
  if (isAppError(err)) {
    return { status: err.httpStatus, errorCode: err.errorCode, payload: JSON.stringify({ error_code: err.errorCode, message: err.message }) };
  }
  if (err instanceof ModelInputError) {
    const message = `Failed to enforce schema of data: ${err.message}`;
    return { status: 400, errorCode: 'BAD_REQUEST', payload: JSON.stringify({ error_code: 'BAD_REQUEST', message }) };
  }
  // onnxruntime rejects feeds it cannot run (e.g. a width the graph does not take); like MLflow,
  // that is the request's problem (400), and the runtime's words say what to fix.
  if (err instanceof Error && /input|dimension|shape|type/i.test(err.message)) {
    const message = `Encountered an error while evaluating the model; check that the input is compatible with the model. Error: ${err.message}`;
    return { status: 400, errorCode: 'BAD_REQUEST', payload: JSON.stringify({ error_code: 'BAD_REQUEST', message }) };
  }
  ctx.onInternalError?.(err);
  return { status: 500, errorCode: 'INTERNAL_ERROR', payload: JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'Internal error while scoring' }) };
}
