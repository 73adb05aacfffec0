/**
 * MLflow REST endpoints (from mlflow/protos/service.proto, model_registry.proto and the MLflow 3
 * additions), as `METHOD path-below-prefix`. `{x}` is a path parameter. Used to answer
 * NOT_IMPLEMENTED (501) for an MLflow route this server does not serve yet, instead of
 * ENDPOINT_NOT_FOUND (404) for a URL MLflow does not have either.
 */
export const MLFLOW_ENDPOINTS: readonly string[] = [
  // experiments
  'POST /experiments/create',
  'GET /experiments/search',
  'POST /experiments/search',
  'GET /experiments/get',
  'GET /experiments/get-by-name',
  'POST /experiments/delete',
  'POST /experiments/restore',
  'POST /experiments/update',
  'POST /experiments/set-experiment-tag',
  'POST /experiments/delete-experiment-tag',
  // runs
  'POST /runs/create',
  'POST /runs/update',
  'POST /runs/delete',
  'POST /runs/restore',
  'POST /runs/log-metric',
  'POST /runs/log-parameter',
  'POST /runs/set-tag',
  'POST /runs/delete-tag',
  'GET /runs/get',
  'POST /runs/search',
  'GET /runs/search',
  'POST /runs/log-batch',
  'POST /runs/log-model',
  'POST /runs/log-inputs',
  'POST /runs/outputs',
  'POST /databricks/runs/delete-runs',
  'POST /databricks/runs/restore-runs',
  // metrics and artifacts
  'GET /metrics/get-history',
  'GET /metrics/get-history-bulk-interval',
  'GET /metrics/get-history-bulk',
  'GET /artifacts/list',
  // MLflow 3 logged models
  'POST /logged-models',
  'GET /logged-models/{id}',
  'PATCH /logged-models/{id}',
  'DELETE /logged-models/{id}',
  'POST /logged-models/search',
  'PATCH /logged-models/{id}/tags',
  'DELETE /logged-models/{id}/tags/{key}',
  'POST /logged-models/{id}/params',
  'GET /logged-models/{id}/artifacts/directories',
  // traces
  'POST /traces',
  'GET /traces',
  'DELETE /traces',
  'POST /traces/delete-traces',
  'GET /traces/{id}/info',
  'PATCH /traces/{id}/tags',
  'DELETE /traces/{id}/tags',
  // registered models
  'POST /registered-models/create',
  'POST /registered-models/rename',
  'PATCH /registered-models/update',
  'DELETE /registered-models/delete',
  'GET /registered-models/get',
  'GET /registered-models/search',
  'GET /registered-models/get-latest-versions',
  'POST /registered-models/get-latest-versions',
  'POST /registered-models/set-tag',
  'DELETE /registered-models/delete-tag',
  'POST /registered-models/alias',
  'DELETE /registered-models/alias',
  'GET /registered-models/alias',
  // model versions
  'POST /model-versions/create',
  'PATCH /model-versions/update',
  'POST /model-versions/transition-stage',
  'DELETE /model-versions/delete',
  'GET /model-versions/get',
  'GET /model-versions/search',
  'GET /model-versions/get-download-uri',
  'POST /model-versions/set-tag',
  'DELETE /model-versions/delete-tag',
  // Databricks transition requests and registry webhooks
  'POST /transition-requests/create',
  'GET /transition-requests/list',
  'POST /transition-requests/approve',
  'POST /transition-requests/reject',
  'DELETE /transition-requests/delete',
  'POST /registry-webhooks/create',
  'GET /registry-webhooks/list',
  'PATCH /registry-webhooks/update',
  'DELETE /registry-webhooks/delete',
  'POST /registry-webhooks/test',
  'POST /comments/create',
  'PATCH /comments/update',
  'DELETE /comments/delete',
];

const MLFLOW_PREFIX = /^\/(?:ajax-)?api\/[23]\.0\/mlflow(\/.*)$/;

const COMPILED = MLFLOW_ENDPOINTS.map((e) => {
  const [method, path] = e.split(' ') as [string, string];
  const pattern = new RegExp('^' + path.replace(/\{[^}]+\}/g, '[^/]+') + '/?$');
  return { method, pattern, isStatic: !path.includes('{') };
});

/**
 * The methods MLflow serves at a full URL path (empty when it has no such path). A literal path
 * wins over a parameter: `/logged-models/search` is the search (POST), never the model with id
 * "search", so a GET there is a wrong method, not a lookup of a model that cannot exist.
 */
export function mlflowMethodsAt(path: string): string[] {
  const m = MLFLOW_PREFIX.exec(path);
  if (!m) return [];
  const rest = m[1]!;
  const matching = COMPILED.filter((e) => e.pattern.test(rest));
  const literal = matching.filter((e) => e.isStatic);
  return [...new Set((literal.length > 0 ? literal : matching).map((e) => e.method))];
}

/** True when `method path` (a full URL path) is an endpoint MLflow's server has. */
export function isMlflowEndpoint(method: string, path: string): boolean {
  return mlflowMethodsAt(path).includes(method);
}
