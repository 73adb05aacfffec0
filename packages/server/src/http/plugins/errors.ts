import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isMlflowEndpoint } from '@modelyard/contract';
import { EndpointNotFoundError, NotImplementedError, isAppError } from '../../errors.js';

/** Fastify's own request errors (bad JSON, wrong content type, too large) are client errors. */
function clientErrorCode(err: FastifyError): string | undefined {
  if (!err.statusCode || err.statusCode >= 500) return undefined;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'INVALID_PARAMETER_VALUE';
  if (err.code?.startsWith('FST_ERR_CTP') || err.code === 'FST_ERR_VALIDATION') return 'MALFORMED_REQUEST';
  return 'BAD_REQUEST';
}

/**
 * Every error leaves as MLflow's `{error_code, message}`. Unknown routes are ENDPOINT_NOT_FOUND,
 * except MLflow routes this server does not implement, which are NOT_IMPLEMENTED (501) so a
 * client can tell "wrong URL" from "not built yet". Unexpected errors are logged and answered
 * with a generic message: internals never reach the client.
 */
export function registerErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      return reply.status(err.httpStatus).send({ error_code: err.errorCode, message: err.message });
    }
    const clientCode = clientErrorCode(err);
    if (clientCode) {
      const status = clientCode === 'INVALID_PARAMETER_VALUE' || clientCode === 'MALFORMED_REQUEST' ? 400 : err.statusCode!;
      return reply.status(status).send({ error_code: clientCode, message: err.message });
    }
    logger.error({ err, request_id: req.id, url: req.url, method: req.method }, 'unhandled error');
    return reply
      .status(500)
      .send({ error_code: 'INTERNAL_ERROR', message: `Internal server error (request id ${req.id})` });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const err = isMlflowEndpoint(req.method, path)
      ? new NotImplementedError(`${req.method} ${path}`)
      : new EndpointNotFoundError(req.method, path);
    return reply.status(err.httpStatus).send({ error_code: err.errorCode, message: err.message });
  });
}
