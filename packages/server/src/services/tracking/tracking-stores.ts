import type { ExperimentStore } from '../../stores/tracking/experiment-store.js';
import type { RunStore } from '../../stores/tracking/run-store.js';
import type { MetricStore } from '../../stores/tracking/metric-store.js';
import type { LoggedModelStore } from '../../stores/tracking/logged-model-store.js';
import type { Config } from '../../config/config.js';

/** The stores the tracking services share (types only: services never build stores). */
export interface TrackingStores {
  experiments: ExperimentStore;
  runs: RunStore;
  metrics: MetricStore;
  loggedModels: LoggedModelStore;
}

export interface TrackingServiceDeps {
  stores: TrackingStores;
  config: Config;
  now: () => number;
}

/** `root` + `/` + `child`, for artifact URIs and local paths alike (no doubled slashes). */
export function joinArtifactUri(root: string, ...children: string[]): string {
  let out = root;
  for (const c of children) out = out.endsWith('/') ? out + c : `${out}/${c}`;
  return out;
}
