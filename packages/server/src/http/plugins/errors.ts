import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { excerpt, mlflowMethodsAt } from '@modelyard/contract';
import { isDatabaseFull } from '../../db/driver-errors.js';
import { AppError, InvalidParameterError, NotImplementedError, StorageFullError, isAppError, isNoSpaceLeft } from '../../errors.js';

/**
 * The longest message an error carries. Quoted input is already cut to 200 characters where it
 * is quoted; this bounds whatever a message holds, so no input makes an error body large.
 */
export const MAX_ERROR_MESSAGE_CHARS = 1000;

interface ClientError {
  code: string;
  status: number;
  message: string;
}

/** Fastify's own request errors (wrong content type, too large…), in MLflow's codes and words. */
function fastifyClientError(err: FastifyError, req: FastifyRequest, bodyLimit: number): ClientError | undefined {
  if (!err.statusCode || err.statusCode >= 500) return undefined;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { code: 'INVALID_PARAMETER_VALUE', status: 400, message: `The request body is larger than this server's limit of ${bodyLimit} bytes (setting bodyLimitBytes)` };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // MLflow's handlers refuse a body that is not JSON with INVALID_PARAMETER_VALUE too.
    const type = excerpt(String(req.headers['content-type'] ?? ''), 100);
    return { code: 'INVALID_PARAMETER_VALUE', status: 400, message: `Content-Type '${type}' is not accepted here; send the message as JSON with Content-Type: application/json` };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { code: 'MALFORMED_REQUEST', status: 400, message: 'The request body is not as long as its Content-Length header says' };
  }
  if (err.code?.startsWith('FST_ERR_CTP') || err.code === 'FST_ERR_VALIDATION') return { code: 'MALFORMED_REQUEST', status: 400, message: err.message };
  return { code: 'BAD_REQUEST', status: err.statusCode, message: err.message };
}

/**
 * A write that found no space left, as a 507 saying what to do rather than a 500: a full disk is
 * the operator's to fix, and the client should know its write was not stored.
 */
function storageFullError(err: unknown): StorageFullError | undefined {
  if (isNoSpaceLeft(err)) {
    return new StorageFullError('The server has no disk space left for this write (its disk or quota is full); nothing was stored. Reads still work; retry once space has been freed on the server.');
  }
  if (isDatabaseFull(err)) {
    return new StorageFullError("The server's database has no disk space left for this write; nothing was stored. Reads still work; retry once space has been freed on the server.");
  }
  return undefined;
}

/**
 * Every error leaves as MLflow's `{error_code, message}`. Unknown routes are ENDPOINT_NOT_FOUND,
 * except MLflow routes this server does not implement, which are NOT_IMPLEMENTED (501) so a
 * client can tell "wrong URL" from "not built yet". Unexpected errors are logged and answered
 * with a generic message: internals never reach the client.
 */
export function registerErrorHandling(app: FastifyInstance, logger: Logger): void {
  const bodyLimit = app.initialConfig.bodyLimit ?? 0;
  // A path segment longer than the router's limit matches no route; say so rather than "no such endpoint".
  const maxParamLength = (app.initialConfig as { routerOptions?: { maxParamLength?: number } }).routerOptions?.maxParamLength ?? 100;
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      return reply.status(err.httpStatus).send({ error_code: err.errorCode, message: excerpt(err.message, MAX_ERROR_MESSAGE_CHARS) });
    }
    const full = storageFullError(err);
    if (full) {
      // A warning, not an error with a stack: the same cause repeats for every write until space returns.
      logger.warn({ request_id: req.id, url: req.url, method: req.method, code: (err as { code?: unknown }).code }, 'no space left for a write');
      return reply.status(full.httpStatus).send({ error_code: full.errorCode, message: full.message });
    }
    const client = fastifyClientError(err, req, bodyLimit);
    if (client) {
      return reply.status(client.status).send({ error_code: client.code, message: excerpt(client.message, MAX_ERROR_MESSAGE_CHARS) });
    }
    logger.error({ err, request_id: req.id, url: req.url, method: req.method }, 'unhandled error');
    return reply
      .status(500)
      .send({ error_code: 'INTERNAL_ERROR', message: `Internal server error (request id ${req.id})` });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const shown = excerpt(path);
    const longest = Math.max(...path.split('/').map((segment) => segment.length));
    const methods = mlflowMethodsAt(path);
    // A wrong method at an MLflow path names the right one(s): the client's mistake is then plain.
    const err =
      longest > maxParamLength
        ? new InvalidParameterError(`A segment of the URL path ${shown} is ${longest} characters long; ids and names in a path may be at most ${maxParamLength}`)
        : methods.includes(req.method)
          ? new NotImplementedError(`${req.method} ${shown}`)
          : new AppError('ENDPOINT_NOT_FOUND', `No API endpoint is served at ${req.method} ${shown}${methods.length > 0 ? `; this path takes ${methods.join(', ')}` : ''}`);
    return reply.status(err.httpStatus).send({ error_code: err.errorCode, message: excerpt(err.message, MAX_ERROR_MESSAGE_CHARS) });
  });
}
