import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseMessage } from '@modelyard/contract';
import { InvalidParameterError } from '../errors.js';

/** MLflow serves every REST route under both prefixes; its own UI uses the ajax one. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

export type MlflowHandler<S extends z.ZodTypeAny> = (
  msg: z.output<S>,
  req: FastifyRequest,
) => Promise<unknown> | unknown;

export interface MlflowRouteSpec<S extends z.ZodTypeAny> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Path below the prefix, e.g. `/runs/create`. */
  path: string;
  request: S;
  /**
   * A hand-written check of the common, well-formed shape of a large message, giving exactly what
   * `request` would; `undefined` means "not sure", and the schema then validates and words the
   * error. For log-batch's 1,000 metrics the schema costs more than storing them.
   */
  fastParse?: (input: unknown) => z.output<S> | undefined;
  handler: MlflowHandler<S>;
}

/** GET and DELETE carry their message in the query string (repeated keys for lists), the rest in the body. */
function messageOf(req: FastifyRequest): unknown {
  if (req.method === 'GET' || (req.method === 'DELETE' && (req.body === undefined || req.body === null))) {
    return req.query ?? {};
  }
  return req.body ?? {};
}

export function validate<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const parsed = parseMessage(schema, input);
  if (!parsed.ok) throw new InvalidParameterError(parsed.message);
  return parsed.value;
}

/**
 * Registers one MLflow endpoint under both prefixes. The handler gets the validated message;
 * what it returns is sent as JSON (an empty object when it returns nothing, as MLflow does).
 */
export function mlflowRoute<S extends z.ZodTypeAny>(app: FastifyInstance, spec: MlflowRouteSpec<S>): void {
  for (const prefix of MLFLOW_PREFIXES) {
    app.route({
      method: spec.method,
      url: prefix + spec.path,
      handler: async (req, reply) => {
        const input = messageOf(req);
        const msg = spec.fastParse?.(input) ?? validate(spec.request, input);
        const out = await spec.handler(msg, req);
        if (reply.sent) return reply;
        return reply.type('application/json').send(out ?? {});
      },
    });
  }
}
