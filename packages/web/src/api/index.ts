/**
 * Data access for the UI, one module per area, all over `@modelyard/sdk`'s browser transport
 * (see http.ts): MLflow's and Modelyard's JSON shapes as the pages read them.
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
