import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * One line per finished request at `debug` (a training loop logs thousands of metrics a second;
 * info-level access logs would dominate the server's CPU), server errors at `warn`.
 */
export function registerRequestLog(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'warn' : 'debug';
    if (!logger.isLevelEnabled(level)) return;
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
  });
}
