import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * One line per finished request at `debug` (a training loop logs thousands of metrics a second;
 * info-level access logs would dominate the server's CPU), server errors at `warn`. The hook is
 * synchronous, in Fastify's callback style: an async one costs a promise and a microtask hop per
 * request even when it logs nothing (see plugins/tracing.ts).
 */
export function registerRequestLog(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'warn' : 'debug';
    if (!logger.isLevelEnabled(level)) return done();
    logger[level](
      {
        request_id: req.id,
        trace_id: req.traceSpan?.spanContext().traceId,
        method: req.method,
        url: req.url,
        status,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
    done();
  });
}
