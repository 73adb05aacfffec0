import { z } from 'zod';
import { excerpt, excerptValue } from './input-excerpt.js';

/**
 * Field helpers for MLflow request messages. A message arrives either as a JSON body or (GET) as
 * query parameters, where every value is a string and a list is a repeated key — so every helper
 * accepts both spellings: protobuf's JSON mapping also allows int64 as a string and doubles as
 * "NaN" / "Infinity" / "-Infinity".
 */

const INT64_TEXT = /^-?\d+$/;

export const int64 = () =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : INT64_TEXT.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `expected an integer, got ${typeof v === 'number' ? String(v) : JSON.stringify(excerpt(v))}` });
      return z.NEVER;
    }
    return n;
  });

// A JSON number too large for a double (`1e400`) parses as ±Infinity, in JavaScript as in
// Python's json module; MLflow accepts it as such, so the union admits the two infinities that
// z.number() alone refuses.
export const double = () =>
  z.union([z.number(), z.literal(Number.POSITIVE_INFINITY), z.literal(Number.NEGATIVE_INFINITY), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const t = v.trim();
    if (t === 'NaN') return Number.NaN;
    if (t === 'Infinity' || t === 'inf') return Number.POSITIVE_INFINITY;
    if (t === '-Infinity' || t === '-inf') return Number.NEGATIVE_INFINITY;
    const n = t === '' ? Number.NaN : Number(t);
    if (Number.isNaN(n)) {
      ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(excerpt(v))}` });
      return z.NEVER;
    }
    return n;
  });

export const bool = () =>
  z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).transform((v) =>
    typeof v === 'boolean' ? v : v.toLowerCase() === 'true',
  );

/** A repeated field: a query string with one value gives a bare string, so lift it to a list. */
export const repeated = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));

/** A nested message in a GET request arrives JSON-encoded in one query parameter. */
export const nested = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }, schema);

export type MessageParse<T> = { ok: true; value: T } | { ok: false; message: string };

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return excerpt(path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['));
}

/**
 * Validates a message and, on failure, words the first problem the way MLflow does, naming the
 * field: a missing required field is "Missing value for required parameter 'x'".
 */
export function parseMessage<T extends z.ZodTypeAny>(schema: T, input: unknown): MessageParse<z.output<T>> {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const field = fieldPath(issue.path);
  if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) {
    return {
      ok: false,
      message: `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    };
  }
  if (issue.code === 'unrecognized_keys') {
    return { ok: false, message: `Unknown field(s) ${excerpt(issue.keys.map((k) => `'${excerpt(k)}'`).join(', '))} in request` };
  }
  const got = (issue as { input?: unknown }).input;
  if (field === '') {
    return { ok: false, message: `Invalid request: the message must be a JSON object of its fields, got "${excerptValue(got)}"` };
  }
  // Bounded: the value may be 10 MB long or nested 5,000 levels deep.
  const shown = got === undefined ? '' : ` "${excerptValue(got)}"`;
  return {
    ok: false,
    message: `Invalid value${shown} for parameter '${field}' supplied: ${excerpt(issue.message)}`,
  };
}
