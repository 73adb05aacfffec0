import type { FastifyRequest } from 'fastify';
import { ANONYMOUS_ACTOR } from '../../../../domain/registry.js';
import type { ChangeContext } from '../../../../domain/registry.js';

/** Set by a trusted proxy (or the sdk/CLI) to name the person behind a request. */
export const USER_HEADER = 'x-modelyard-user';

function basicAuthUser(header: string | undefined): string | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}

/**
 * Who the audit trail credits with a change: the user header, else the basic-auth username (what
 * MLflow's basic-auth app and its clients send), else `anonymous`. Nothing here authenticates;
 * it only names.
 */
export function actorOf(req: FastifyRequest): string {
  const header = req.headers[USER_HEADER];
  const named = (Array.isArray(header) ? header[0] : header)?.trim();
  if (named) return named.slice(0, 256);
  return basicAuthUser(req.headers.authorization)?.slice(0, 256) ?? ANONYMOUS_ACTOR;
}

export function callerOf(req: FastifyRequest, comment?: string): ChangeContext {
  return comment === undefined || comment === '' ? { actor: actorOf(req) } : { actor: actorOf(req), comment };
}
