/**
 * Lexer for MLflow's filter and order-by strings. Positions are 0-based character offsets into
 * the original text so that errors can point at the offending token.
 */
export type TokenKind =
  | 'word' // letters, digits and '_' that do not form a number: metrics, acc, AND, 1m
  | 'number' // -1, 0.5, .5, 1e-3
  | 'string' // 'single' or "double" quoted; text holds the unescaped content
  | 'backtick' // `quoted identifier`; text holds the content
  | 'op' // = != <> > >= < <=
  | 'dot'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** Unescaped content for strings and backticks, the source text otherwise. */
  text: string;
  /** The exact source slice, quotes included. */
  raw: string;
  /** For strings: which quote delimited it. */
  quote?: "'" | '"';
  start: number;
  end: number;
}

/** Carries the position inside its message: "unexpected character '-' at position 10; …". */
export class TokenizeError extends Error {}

const NUMBER_RE = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_])/y;
const WORD_RE = /[A-Za-z0-9_]+/y;
const OPERATORS = ['!=', '<>', '>=', '<=', '=', '>', '<'] as const;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string, quote?: "'" | '"'): void => {
    const raw = text.slice(start, end);
    tokens.push({ kind, text: value ?? raw, raw, start, end, ...(quote ? { quote } : {}) });
  };
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, i, c);
      push('string', i, end, value, c);
      i = end;
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) throw new TokenizeError(`unterminated backtick-quoted identifier starting at position ${i}`);
      push('backtick', i, close + 1, text.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    const prev = tokens[tokens.length - 1];
    const continuesIdentifier = prev !== undefined && prev.end === i && isIdentifierPart(prev.kind);
    // `metrics.5` is an identifier with key "5", not the word "metrics" followed by the number .5
    if (c === '.' && continuesIdentifier) {
      push('dot', i, i + 1);
      i++;
      continue;
    }
    if (c === '-' || c === '.' || isDigit(c)) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      if (m && !(continuesIdentifier && prev.kind === 'dot' && c === '-')) {
        push('number', i, i + m[0].length);
        i += m[0].length;
        continue;
      }
    }
    WORD_RE.lastIndex = i;
    const word = WORD_RE.exec(text);
    if (word) {
      push('word', i, i + word[0].length);
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      push('op', i, i + op.length);
      i += op.length;
      continue;
    }
    if (c === '.') {
      push('dot', i, i + 1);
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      push(c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', i, i + 1);
      i++;
      continue;
    }
    const hint = continuesIdentifier
      ? "; quote keys that contain characters other than letters, digits, '_' and '.' with backticks, e.g. metrics.`my-metric`"
      : '';
    throw new TokenizeError(`unexpected character '${c}' at position ${i}${hint}`);
  }
  tokens.push({ kind: 'end', text: '', raw: '', start: text.length, end: text.length });
  return tokens;
}

function isIdentifierPart(kind: TokenKind): boolean {
  return kind === 'word' || kind === 'backtick' || kind === 'dot' || kind === 'string';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * SQL-style quoting: a doubled quote or a backslash before the quote stands for the quote itself.
 * Other backslashes (including `\\`) are kept verbatim so LIKE patterns such as '%\_%' reach the
 * compiler intact.
 * (MLflow keeps the escape sequences in the value; unescaping is the only way a value containing
 * its own quote character can ever match, so we do it.)
 */
function readQuoted(text: string, start: number, quote: "'" | '"'): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '\\') {
      value += '\\\\';
      i += 2;
      continue;
    }
    if (c === '\\' && text[i + 1] === quote) {
      value += quote;
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
  throw new TokenizeError(`unterminated string starting at position ${start}; close it with ${quote}`);
}

export function describeToken(t: Token): string {
  if (t.kind === 'end') return 'end of input';
  return t.kind === 'string' ? t.raw : `'${t.raw}'`;
}
