/**
 * `@modelyard/sdk/client`: the browser-safe part of the SDK. Everything reachable from here runs
 * in a page — no Node built-ins (fs, os, streams, Buffer) and no onnxruntime — which
 * packages/sdk/test/sdk-browser-entry.test.ts checks by walking this module's import graph.
 */
export { BrowserClient, BrowserClient as Client } from './browser-client.js';
export type { BrowserClientOptions, BrowserClientOptions as ClientOptions } from './browser-client-options.js';
export { resolveBrowserClientOptions } from './browser-client-options.js';
export { BrowserArtifactsApi, proxiedArtifactPath } from './browser-artifacts-api.js';
export type { ArtifactBody } from './browser-artifacts-api.js';
export type { TrackingApi, MetricInput, SearchOptions, ViewType } from './client/tracking-api.js';
export type { RegistryApi } from './client/registry-api.js';
export type { LoggedModelsApi } from './client/logged-models-api.js';
export type { RegistryGovernanceApi, RegistryEvent, TransitionActivity } from './client/registry-governance-api.js';
export type { JobsApi, Job, JobTask, JobSchedule, JobRun, JobRunState, JobRunDetail, JobRunStateChange, TaskRun, TaskAttempt, TaskLogChunk } from './client/jobs-api.js';
export type { ServingApi, ServingEndpoint, ServingEndpointConfig, ServedModelStatus, TrafficRoute, ScoringResult } from './client/serving-api.js';
export type { TracesApi, TraceSummary, TraceQuery, Span, SpanEvent, AttributeValue, StageDuration } from './client/traces-api.js';
export { filterLiteral } from './client/filter-literal.js';
export { MlflowApiError, MlflowConnectionError, isNotFound } from './errors.js';
export { Transport } from './transport.js';
export type { Query } from './transport.js';
export type { ResolvedClientOptions } from './config.js';
export type * from './entities.js';
