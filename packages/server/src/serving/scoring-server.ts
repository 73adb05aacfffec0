import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import { ModelSlot } from '../runtime/model-slot.js';
import { JsonlInferenceLog } from '../runtime/scoring/inference-log.js';
import { buildScoringApp } from './scoring-app.js';
import { ServingMetrics } from '../runtime/scoring/serving-metrics.js';

export interface ScoringServerOptions {
  runtime: ModelRuntime;
  modelUri: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Re-resolve the URI this often (ms) and swap in a new version when an alias or stage moved; 0 = never. */
  refreshMs?: number;
  inferenceLogPath?: string;
  bodyLimit?: number;
  logger?: Logger;
}

export interface ScoringServer {
  app: FastifyInstance;
  url: string;
  slot: ModelSlot;
  metrics: ServingMetrics;
  /** Re-resolves the URI now; true when a different model was swapped in. */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

/** Loads the model, then listens: `modelyard serve` answers only once the model is ready. */
export async function startScoringServer(opts: ScoringServerOptions): Promise<ScoringServer> {
  const model = await opts.runtime.load(opts.modelUri);
  const slot = new ModelSlot(model);
  const metrics = new ServingMetrics({ defaultMetrics: true });
  const inferenceLog = opts.inferenceLogPath
    ? new JsonlInferenceLog(opts.inferenceLogPath, (err) => opts.logger?.warn({ err }, 'inference log write failed'))
    : undefined;
  const app = await buildScoringApp({
    slot,
    servedModel: opts.modelUri,
    metrics,
    ...(inferenceLog ? { inferenceLog } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
  });
  const address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });

  let refreshing: Promise<boolean> | undefined;
  const refresh = (): Promise<boolean> => {
    refreshing ??= (async () => {
      try {
        const next = await opts.runtime.load(opts.modelUri);
        const current = slot.current;
        if (current && next.localDir === current.localDir && next.version === current.version) {
          await next.close();
          return false;
        }
        slot.swap(next);
        opts.logger?.info({ uri: opts.modelUri, version: next.version }, 'serving a new model version');
        return true;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };
  const timer =
    opts.refreshMs && opts.refreshMs > 0
      ? setInterval(() => refresh().catch((err) => opts.logger?.warn({ err, uri: opts.modelUri }, 'could not refresh the served model')), opts.refreshMs)
      : undefined;
  timer?.unref();

  return {
    app,
    url: address,
    slot,
    metrics,
    refresh,
    close: async () => {
      if (timer) clearInterval(timer);
      await app.close();
      slot.clear();
      await inferenceLog?.close();
    },
  };
}
