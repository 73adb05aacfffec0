import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { excerpt } from '@modelyard/contract';
import { AppError, InvalidParameterError } from '../../errors.js';

/**
 * The one place where every request's input is checked before any route sees it: JSON bodies
 * (parsed here, replacing Fastify's parser), query strings and path parameters. What is refused
 * here is refused the same way on every route and on both store dialects:
 *
 * - a NUL character in any string: PostgreSQL's text types cannot hold one (the insert fails, a
 *   500), SQLite would store it; neither is a name, key, value or filter anyone means;
 * - a lone UTF-16 surrogate (`"\ud800"`): valid in JSON's grammar, but not Unicode, so it would be
 *   stored as U+FFFD, silently not what was sent;
 * - invalid UTF-8 in a JSON body (MLflow's server cannot decode it either);
 * - `__proto__` keys, and `constructor` keys holding a `prototype`: harmless in JSON.parse's own
 *   output, dangerous as soon as any code merges the object into another; no message has them;
 * - JSON nested deeper than MAX_JSON_DEPTH: no message nests more than a few levels, and every
 *   reader below (schemas, error messages, OTLP attribute values) may then recurse safely.
 */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type InputPart = 'body' | 'query' | 'path';

/** A node being walked: parents are linked so that a field's path is built only for an error. */
interface Frame {
  value: object;
  depth: number;
  key: string | number | undefined;
  parent: Frame | undefined;
}

function fieldPath(frame: Frame | undefined, key: string | number | undefined): string {
  const keys: Array<string | number> = key === undefined ? [] : [key];
  for (let f = frame; f && f.key !== undefined; f = f.parent) keys.push(f.key);
  let out = '';
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    if (typeof k === 'number') out += `[${k}]`;
    else if (PLAIN_KEY.test(k)) out += out === '' ? k : `.${k}`;
    else out += `[${JSON.stringify(excerpt(k, 40))}]`;
  }
  return excerpt(out);
}

function where(part: InputPart): string {
  return part === 'body' ? 'the request body' : part === 'query' ? 'the query string' : 'the URL path';
}

/** The text problem of a string, or undefined when it is fine. */
function textProblem(text: string): string | undefined {
  if (text.includes(NUL)) return 'it contains a NUL character (\\u0000), which no name, key, value or filter may hold';
  if (LONE_SURROGATE.test(text)) return 'it contains a lone UTF-16 surrogate (such as \\ud800), which is not valid Unicode';
  return undefined;
}

function refuseText(part: InputPart, frame: Frame | undefined, key: string | number | undefined, text: string, problem: string, isKey: boolean): never {
  const field = fieldPath(frame, key);
  const shown = JSON.stringify(excerpt(text, 80));
  if (isKey) throw new InvalidParameterError(`Invalid parameter name ${shown} in ${where(part)}${field ? ` (at '${field}')` : ''}: ${problem}`);
  throw new InvalidParameterError(`Invalid value ${shown} for parameter '${field || 'body'}' supplied in ${where(part)}: ${problem}`);
}

/**
 * Refuses a parsed input that breaks a rule above, naming the field. Walks without recursion (the
 * depth is what is being checked). `checkText` is false when the JSON text had no `\u` escape:
 * only an escape can put a NUL or a lone surrogate into JSON (raw control characters are invalid
 * JSON, raw bytes were decoded strictly).
 */
export function checkInput(value: unknown, part: InputPart, checkText = true): void {
  if (mayBreakRules(value, checkText)) refuseBrokenRule(value, part, checkText);
}

/**
 * The walk every large body pays for, so it allocates nothing per node and builds no paths:
 * true when something may break a rule (`constructor` keys are only suspects). A 1,000-metric
 * log-batch costs about a tenth of its JSON.parse.
 */
function mayBreakRules(value: unknown, checkText: boolean): boolean {
  if (typeof value === 'string') return checkText && textProblem(value) !== undefined;
  if (typeof value !== 'object' || value === null) return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_JSON_DEPTH) return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (typeof child === 'object') {
          if (child !== null) {
            stack.push(child);
            depths.push(depth + 1);
          }
        } else if (checkText && typeof child === 'string' && textProblem(child) !== undefined) return true;
      }
      continue;
    }
    for (const key in node) {
      if (key === '__proto__' || key === 'constructor' || (checkText && textProblem(key) !== undefined)) return true;
      const child: unknown = (node as Record<string, unknown>)[key];
      if (typeof child === 'object') {
        if (child !== null) {
          stack.push(child);
          depths.push(depth + 1);
        }
      } else if (checkText && typeof child === 'string' && textProblem(child) !== undefined) return true;
    }
  }
  return false;
}

/** The slow walk, run only on a suspect: finds the problem and throws with the field's path. */
function refuseBrokenRule(value: unknown, part: InputPart, checkText: boolean): void {
  if (typeof value === 'string') {
    const problem = checkText ? textProblem(value) : undefined;
    if (problem) refuseText(part, undefined, undefined, value, problem, false);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const stack: Frame[] = [{ value, depth: 1, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > MAX_JSON_DEPTH) {
      const field = fieldPath(frame.parent, frame.key);
      throw new InvalidParameterError(
        `Invalid value for parameter '${field || 'body'}' supplied: ${where(part)} nests more than ${MAX_JSON_DEPTH} levels deep; no API message nests more than a few`,
      );
    }
    const visit = (child: unknown, key: string | number) => {
      if (typeof child === 'string') {
        const problem = checkText ? textProblem(child) : undefined;
        if (problem) refuseText(part, frame, key, child, problem, false);
      } else if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
      }
    };
    if (Array.isArray(frame.value)) {
      const list = frame.value as unknown[];
      for (let i = 0; i < list.length; i++) visit(list[i], i);
      continue;
    }
    const record = frame.value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === '__proto__' || (key === 'constructor' && typeof record[key] === 'object' && record[key] !== null && Object.hasOwn(record[key] as object, 'prototype'))) {
        const at = fieldPath(frame, undefined);
        throw new InvalidParameterError(
          `Invalid parameter '${key === '__proto__' ? '__proto__' : 'constructor.prototype'}' in ${where(part)}${at ? ` (at '${at}')` : ''}: prototype keys are refused; no API message has such a field`,
        );
      }
      const problem = checkText ? textProblem(key) : undefined;
      if (problem) refuseText(part, frame, key, key, problem, true);
      visit(record[key], key);
    }
  }
}

/**
 * A JSON body: strict UTF-8, then JSON.parse, then the walk. The walk is skipped only when it
 * cannot find anything: a body too short to nest MAX_JSON_DEPTH levels, with no escape and no
 * prototype key (the common small write costs a few substring searches, no walk).
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) {
    throw new AppError('MALFORMED_REQUEST', "The request body is empty but its Content-Type is application/json; send a JSON object (at least '{}')");
  }
  if (!isUtf8(raw)) throw new AppError('MALFORMED_REQUEST', 'The request body is not valid UTF-8; send JSON encoded as UTF-8');
  let text = raw.toString('utf8');
  // A byte-order mark is not JSON, but some clients write one; Fastify's own parser skipped it too.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppError('MALFORMED_REQUEST', `The request body is not valid JSON: ${excerpt((e as Error).message)}`);
  }
  const hasEscape = text.includes('\\u');
  if (text.length > 2 * MAX_JSON_DEPTH || hasEscape || text.includes('__proto__') || text.includes('constructor')) {
    checkInput(value, 'body', hasEscape);
  }
  return value;
}

/** Every query parameter must be percent-encoded UTF-8; the parser keeps an undecodable one raw. */
function checkPercentEncoding(url: string): void {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('%', q)) return;
  for (const pair of url.slice(q + 1).split('&')) {
    if (!pair.includes('%')) continue;
    try {
      decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      const name = pair.split('=')[0]!;
      throw new InvalidParameterError(`Invalid value for parameter '${excerpt(name, 80)}' supplied in the query string: it is not percent-encoded UTF-8`);
    }
  }
}

function checkRequestTarget(req: FastifyRequest): void {
  checkPercentEncoding(req.url);
  if (req.query && typeof req.query === 'object') checkInput(req.query, 'query');
  const params = req.params as Record<string, unknown> | undefined;
  if (params && typeof params === 'object') {
    for (const [name, value] of Object.entries(params)) {
      const problem = typeof value === 'string' ? textProblem(value) : undefined;
      // `*` is the wildcard of the artifact routes: the artifact path.
      if (problem) refuseText('path', undefined, name === '*' ? 'path' : name, value as string, problem, false);
    }
  }
}

export function registerRequestInputChecks(app: FastifyInstance): void {
  // Fastify would hand a text/plain body to the handler as a string; MLflow's handlers take JSON
  // only (anything else is INVALID_PARAMETER_VALUE there too), and so do ours. The scopes that
  // read other bodies (artifact uploads, scoring, OTLP protobuf) register their own parsers.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // preValidation: after routing (the params exist) and body parsing, before any handler. In
  // callback style, as the other per-request hooks: an async hook costs every request a promise
  // and a microtask hop, and this one finds nothing to refuse on almost all of them.
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      checkRequestTarget(req);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });
}
