import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../errors.js';
import { invokeModel } from '../runtime/scoring/invoke-model.js';
import type { InvocationContext } from '../runtime/scoring/invoke-model.js';

/** MLflow's scoring servers default to gunicorn/flask limits; 10 MiB fits batch requests of many thousand rows. */
export const DEFAULT_SCORING_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * Sets up a Fastify scope for scoring: every body is read as text (JSON and CSV are parsed by
 * the protocol code, which knows the model's signature), and a body over `bodyLimit` or another
 * body-reading failure is MLflow's error JSON with 400, not Fastify's own error shape.
 */
export function prepareScoringScope(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
  scope.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(400).send({ error_code: 'BAD_REQUEST', message: `Request body is larger than the limit of ${bodyLimit} bytes; send fewer rows per request` });
    }
    if (isAppError(err)) return reply.status(err.httpStatus).send({ error_code: err.errorCode, message: err.message });
    if (err.statusCode && err.statusCode < 500) {
      return reply.status(400).send({ error_code: 'BAD_REQUEST', message: err.message });
    }
    throw err;
  });
}

/** Runs one invocation and writes its result. */
export async function answerInvocation(req: FastifyRequest, reply: FastifyReply, ctx: InvocationContext): Promise<FastifyReply> {
  const body = typeof req.body === 'string' ? req.body : '';
  const result = await invokeModel(ctx, req.headers['content-type'], body);
  return reply.status(result.status).headers(result.headers).send(result.body);
}
