import { excerpt } from '@modelyard/contract';
import { InvalidParameterError } from '../../errors.js';
import type { Comparison, ComparisonOp, ComparisonValue, EntityType, Filter, SearchDialect } from './ast.js';
import { DATASET_KEYS, DIALECTS, canonicalKeys } from './dialects.js';
import { SEARCH_LIMITS } from './search-limits.js';
import type { DialectRules } from './dialects.js';
import { isKeyword, readIdentifier, SearchSemanticError, SearchSyntaxError, TokenCursor, unexpected } from './token-cursor.js';
import { TokenizeError, tokenize } from './tokenizer.js';
import type { Token } from './tokenizer.js';

const ALL_OPS = '=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL';

/**
 * Parses an MLflow filter string (`metrics.acc > 0.9 AND params.model = 'tree'`) into AND-joined
 * comparisons with canonical keys, checking keys, operators and value types the way the given
 * search API does. An empty or blank filter is no filter. Throws InvalidParameterError: syntax
 * problems under MLflow's "Invalid clause(s) in filter string" headline with the offending token
 * and its position, unknown keys and wrong comparators or values with MLflow's own headlines
 * ("Invalid attribute key", "Invalid entity type", "Invalid comparator", "Expected numeric value"),
 * and filters longer or with more comparisons than SEARCH_LIMITS allows.
 */
export function parseSearchFilter(text: string, dialect: SearchDialect): Filter {
  if (text.length > SEARCH_LIMITS.maxFilterLength) {
    throw new InvalidParameterError(
      `Invalid filter string: it is ${text.length} characters long, more than the ${SEARCH_LIMITS.maxFilterLength} a search filter may have; ` +
        'split the search into several smaller ones (e.g. fewer run ids per IN list)',
    );
  }
  if (text.trim() === '') return [];
  try {
    return parseComparisons(tokenize(text), DIALECTS[dialect]);
  } catch (e) {
    if (e instanceof TokenizeError || e instanceof SearchSyntaxError) {
      throw new InvalidParameterError(`Invalid clause(s) in filter string '${excerpt(text)}': ${excerpt(e.message)}`);
    }
    if (e instanceof SearchSemanticError) throw new InvalidParameterError(`${excerpt(e.message)} (in filter string '${excerpt(text)}')`);
    if (e instanceof FilterTooLargeError) {
      // Not echoing the filter: it is long by definition.
      throw new InvalidParameterError(
        `Invalid filter string: it has more than ${SEARCH_LIMITS.maxFilterClauses} comparisons, the most a search filter may join with AND; ` +
          `search with the ${SEARCH_LIMITS.maxFilterClauses} most selective ones and filter the results on the client`,
      );
    }
    throw e;
  }
}

class FilterTooLargeError extends Error {}

function parseComparisons(tokens: Token[], rules: DialectRules): Filter {
  const cursor = new TokenCursor(tokens);
  const comparisons: Comparison[] = [];
  for (;;) {
    // Counted as they are read: an over-long filter is refused before the rest of it is parsed.
    if (comparisons.length === SEARCH_LIMITS.maxFilterClauses) throw new FilterTooLargeError();
    comparisons.push(parseComparison(cursor, rules));
    const t = cursor.peek();
    if (t.kind === 'end') return comparisons;
    if (isKeyword(t, 'AND')) {
      cursor.next();
      continue;
    }
    if (isKeyword(t, 'OR')) {
      throw new SearchSyntaxError(
        `OR at position ${t.start} is not supported; MLflow filters join comparisons with AND only (run one search per alternative)`,
      );
    }
    throw unexpected(t, 'AND or the end of the filter');
  }
}

function parseComparison(cursor: TokenCursor, rules: DialectRules): Comparison {
  const lead = cursor.peek();
  if (lead.kind === 'lparen') {
    throw new SearchSyntaxError(`'(' at position ${lead.start} is not supported; MLflow filters are a flat list of comparisons joined by AND`);
  }
  const identifier = readIdentifier(cursor, `an identifier such as ${examples(rules)}`);
  const opToken = cursor.peek();
  const op = readOperator(cursor);
  const { type, key } = resolveEntity(identifier.prefix, identifier.key, identifier.text, rules);
  const numeric = type === 'metric' || (type === 'attribute' && rules.numericAttributes.has(key));
  const allowed = allowedOps(type, numeric, rules);
  if (!allowed.includes(op)) {
    throw new SearchSemanticError(
      `Invalid comparator '${op}' at position ${opToken.start} for ${identifier.text}: not one of ${allowed.join(', ')} ` +
        `(the comparators ${describeEntity(type, numeric)} accept)`,
    );
  }
  const value = readValue(cursor, op, { type, key, numeric, text: identifier.text }, rules);
  return { type, key, op, value };
}

function resolveEntity(
  prefix: string | undefined,
  key: string,
  text: string,
  rules: DialectRules,
): { type: EntityType; key: string } {
  const type: EntityType | undefined = prefix === undefined ? 'attribute' : rules.prefixes[prefix];
  if (type === undefined) {
    throw new SearchSemanticError(
      `Invalid entity type '${prefix}' in '${text}'. Valid entity types are ${rules.preferredPrefixes.join(', ')} ` +
        `(write ${rules.preferredPrefixes.map((p) => `${p}.<key>`).join(', ')})`,
    );
  }
  if (type === 'attribute') {
    const canonical = rules.filterAttributes[key];
    if (canonical === undefined) {
      throw new SearchSemanticError(
        `Invalid attribute key '${key}' specified. Valid keys are: ${canonicalKeys(rules.filterAttributes).join(', ')}`,
      );
    }
    return { type, key: canonical };
  }
  if (type === 'dataset' && !DATASET_KEYS.includes(key)) {
    throw new SearchSemanticError(`Invalid dataset key '${key}' specified. Valid keys are: ${DATASET_KEYS.join(', ')}`);
  }
  return { type, key };
}

function allowedOps(type: EntityType, numeric: boolean, rules: DialectRules): readonly ComparisonOp[] {
  if (type === 'attribute') return numeric ? rules.ops.numericAttribute : rules.ops.stringAttribute;
  const ops = rules.ops[type];
  // resolveEntity only yields types present in the dialect's prefixes, each of which has ops.
  if (ops === undefined) throw new Error(`search dialect has no operators for ${type}`);
  return ops;
}

/** Any comparator of the grammar; whether the key accepts it is checked once the key is known. */
function readOperator(cursor: TokenCursor): ComparisonOp {
  const expected = `a comparison operator (${ALL_OPS})`;
  const t = cursor.next();
  if (t.kind === 'op') {
    if (t.text === '<>') throw new SearchSyntaxError(`'<>' at position ${t.start} is not supported; use !=`);
    return t.text as ComparisonOp;
  }
  if (t.kind !== 'word') throw unexpected(t, expected);
  const word = t.text.toUpperCase();
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return word;
  if (word === 'NOT') {
    const after = cursor.next();
    if (isKeyword(after, 'IN')) return 'NOT IN';
    throw unexpected(after, 'IN after NOT (NOT LIKE is not supported)');
  }
  if (word === 'IS') {
    const after = cursor.next();
    if (isKeyword(after, 'NULL')) return 'IS NULL';
    if (isKeyword(after, 'NOT')) {
      const last = cursor.next();
      if (isKeyword(last, 'NULL')) return 'IS NOT NULL';
      throw unexpected(last, 'NULL after IS NOT');
    }
    throw unexpected(after, 'NULL or NOT NULL after IS');
  }
  throw unexpected(t, expected);
}

interface Target {
  type: EntityType;
  key: string;
  numeric: boolean;
  text: string;
}

function readValue(cursor: TokenCursor, op: ComparisonOp, target: Target, rules: DialectRules): ComparisonValue {
  if (op === 'IS NULL' || op === 'IS NOT NULL') return null;
  if (op === 'IN' || op === 'NOT IN') {
    if (target.type === 'attribute' && !rules.listAttributes.has(target.key)) {
      const which = [...rules.listAttributes];
      throw new SearchSemanticError(
        which.length > 0
          ? `Only the ${which.map((k) => `'${k}'`).join(', ')} attribute supports comparison with a list of quoted strings; ${target.text} does not`
          : `${op} is not supported for ${target.text}; no attribute of this search accepts a list`,
      );
    }
    return readStringList(cursor, target);
  }
  const t = cursor.next();
  if (t.kind === 'end') throw unexpected(t, `a value for ${target.text}`);
  if (target.numeric) return readNumber(t, target, rules);
  if (t.kind !== 'string') {
    throw new SearchSemanticError(
      `Expected a quoted string value for ${target.text} (e.g. ${target.text} ${op} 'my-value', single or double quotes). ` +
        `Found ${t.raw} at position ${t.start}`,
    );
  }
  return t.text;
}

function readNumber(t: Token, target: Target, rules: DialectRules): number {
  if (t.kind === 'number') return Number(t.text);
  if (t.kind === 'string' && rules.quotedNumbersAllowed && /^-?\d+$/.test(t.text.trim())) return Number(t.text);
  throw new SearchSemanticError(
    `Expected numeric value type for ${target.text}. Found ${t.raw} at position ${t.start}; ` +
      `compare it with an unquoted number, e.g. ${target.text} > 0.5`,
  );
}

function readStringList(cursor: TokenCursor, target: Target): string[] {
  const open = cursor.next();
  if (open.kind !== 'lparen') throw unexpected(open, `a parenthesised list of quoted strings, e.g. ${target.text} IN ('a', 'b')`);
  const values: string[] = [];
  for (;;) {
    const t = cursor.next();
    if (t.kind === 'rparen' && values.length === 0) {
      throw new SearchSyntaxError(`the list at position ${open.start} is empty; give at least one quoted string, e.g. ('a', 'b')`);
    }
    if (t.kind !== 'string') throw unexpected(t, 'a quoted string in the list');
    values.push(t.text);
    const sep = cursor.next();
    if (sep.kind === 'rparen') return values;
    if (sep.kind !== 'comma') throw unexpected(sep, "',' or ')' in the list");
  }
}

function describeEntity(type: EntityType, numeric: boolean): string {
  switch (type) {
    case 'metric':
      return 'metrics';
    case 'parameter':
      return 'params';
    case 'tag':
      return 'tags';
    case 'dataset':
      return 'dataset fields';
    case 'attribute':
      return numeric ? 'numeric attributes' : 'string attributes';
  }
}

function examples(rules: DialectRules): string {
  return rules.preferredPrefixes.map((p) => `${p}.<key>`).join(', ');
}
