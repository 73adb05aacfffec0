/**
 * Data access for the UI. Until `@modelyard/sdk`'s Client exists this is a thin typed layer over
 * MLflow's REST JSON, one module per area, with the same shapes the sdk returns; swapping it for
 * the sdk touches these modules only.
 */
export * from './types.js';
export { ApiError } from './http.js';
export * as experimentsApi from './experiments.js';
export * as runsApi from './runs.js';
export * as metricsApi from './metrics.js';
export * as artifactsApi from './artifacts.js';
export * as registryApi from './registry.js';
export * as jobsApi from './jobs.js';
export * as servingApi from './serving.js';
export * as tracesApi from './traces.js';
