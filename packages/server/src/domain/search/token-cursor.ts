import { describeToken } from './tokenizer.js';
import type { Token } from './tokenizer.js';

/**
 * The text cannot be read as comparisons joined by AND (or as `<key> [ASC|DESC]`). The caller
 * reports it under MLflow's headline for the API ("Invalid clause(s) in filter string",
 * "Invalid order_by clause … Could not be parsed"), followed by this detail.
 */
export class SearchSyntaxError extends Error {}

/**
 * The text reads fine but names something the API does not accept: an unknown entity type or
 * attribute key, a comparator the key does not support, a value of the wrong type. The message is
 * complete and starts the way MLflow's does ("Invalid attribute key 'x' specified…"), since
 * clients and users recognise those.
 */
export class SearchSemanticError extends Error {}

export class TokenCursor {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.index];
  }

  next(): Token {
    const t = this.tokens[this.index];
    if (t.kind !== 'end') this.index++;
    return t;
  }

  /** The previously consumed token, or undefined at the start. */
  previous(): Token | undefined {
    return this.index > 0 ? this.tokens[this.index - 1] : undefined;
  }
}

export function isKeyword(t: Token, word: string): boolean {
  return t.kind === 'word' && t.text.toUpperCase() === word;
}

export function unexpected(t: Token, expected: string): SearchSyntaxError {
  const what = t.kind === 'end' ? 'unexpected end of input' : `unexpected token ${describeToken(t)} at position ${t.start}`;
  return new SearchSyntaxError(`${what}; expected ${expected}`);
}

export interface RawIdentifier {
  /** `metrics` in `metrics.acc`; undefined for a bare `status`. */
  prefix?: string;
  key: string;
  /** The identifier as written, for messages. */
  text: string;
  start: number;
}

const SEGMENT_KINDS = new Set(['word', 'number', 'backtick', 'string']);

/**
 * Reads `prefix.key`, `prefix.dotted.key`, ``prefix.`any key` ``, `prefix."any key"` or a bare
 * `key` / `` `key` `` / `"key"`. Segments must touch: `metrics . acc` is not an identifier.
 * A key quoted as a whole may contain anything but its own quote; a bare key is letters, digits,
 * `_` and dots (`tags.mlflow.runName`).
 */
export function readIdentifier(cursor: TokenCursor, expected: string): RawIdentifier {
  const first = cursor.peek();
  const startsIdentifier =
    first.kind === 'word' || first.kind === 'backtick' || (first.kind === 'string' && first.quote === '"');
  if (!startsIdentifier) throw unexpected(first, expected);
  cursor.next();
  const segments: Token[] = [first];
  let end = first.end;
  while (cursor.peek().kind === 'dot' && cursor.peek().start === end) {
    const dot = cursor.next();
    const seg = cursor.peek();
    if (!SEGMENT_KINDS.has(seg.kind) || seg.start !== dot.end) {
      throw new SearchSyntaxError(
        `identifier '${sliceOf(segments, dot)}' at position ${first.start} ends with '.'; expected a key after it, ` +
          'e.g. metrics.accuracy or metrics.`my metric`',
      );
    }
    cursor.next();
    segments.push(seg);
    end = seg.end;
  }
  const text = segments.map((s) => s.raw).join('.');
  const after = cursor.peek();
  if (after.start === end && after.kind === 'number' && after.raw.startsWith('-')) {
    throw new SearchSyntaxError(
      `identifier '${text}${after.raw}' at position ${first.start} contains '-'; quote keys that contain characters ` +
        `other than letters, digits, '_' and '.' with backticks, e.g. ${quoteSuggestion(segments, after.raw)}`,
    );
  }
  if (segments.length === 1) return { key: first.text, text, start: first.start };
  const [prefixToken, ...keySegments] = segments;
  if (prefixToken.kind === 'string') {
    throw new SearchSyntaxError(`identifier '${text}' at position ${first.start} has a quoted prefix; write it as ${prefixToken.text}.<key>`);
  }
  if (keySegments.length > 1 && keySegments.some((s) => s.kind === 'backtick' || s.kind === 'string')) {
    throw new SearchSyntaxError(
      `identifier '${text}' at position ${first.start} mixes quoted and unquoted key parts; quote the whole key, ` +
        `e.g. ${prefixToken.text}.\`${keySegments.map((s) => s.text).join('.')}\``,
    );
  }
  const key = keySegments.length === 1 ? keySegments[0].text : keySegments.map((s) => s.raw).join('.');
  if (key === '') throw new SearchSyntaxError(`identifier '${text}' at position ${first.start} has an empty key`);
  return { prefix: prefixToken.text, key, text, start: first.start };
}

function sliceOf(segments: Token[], dot: Token): string {
  return segments.map((s) => s.raw).join('.') + dot.raw;
}

function quoteSuggestion(segments: Token[], tail: string): string {
  if (segments.length === 1) return `\`${segments[0].text}${tail}\``;
  const [prefix, ...rest] = segments;
  return `${prefix.text}.\`${rest.map((s) => s.text).join('.')}${tail}\``;
}
