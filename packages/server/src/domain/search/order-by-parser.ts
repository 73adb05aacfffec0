import { excerpt } from '@modelyard/contract';
import { InvalidParameterError } from '../../errors.js';
import type { EntityType, OrderByKey, SearchDialect } from './ast.js';
import { DIALECTS, canonicalKeys } from './dialects.js';
import { SEARCH_LIMITS } from './search-limits.js';
import { isKeyword, readIdentifier, SearchSemanticError, SearchSyntaxError, TokenCursor, unexpected } from './token-cursor.js';
import { TokenizeError, tokenize } from './tokenizer.js';

/**
 * Parses one MLflow order_by entry: `<identifier> [ASC|DESC]`, e.g. `metrics.rmse`,
 * `` params.`learning rate` DESC ``, `start_time asc`. Ascending unless DESC is given; keys are
 * canonical (`created` → `start_time`).
 */
export function parseOrderBy(clause: string, dialect: SearchDialect): OrderByKey {
  try {
    return parseClause(clause, dialect);
  } catch (e) {
    if (e instanceof TokenizeError || e instanceof SearchSyntaxError) {
      throw new InvalidParameterError(`Invalid order_by clause '${excerpt(clause)}'. Could not be parsed: ${excerpt(e.message)}`);
    }
    if (e instanceof SearchSemanticError) throw new InvalidParameterError(`${excerpt(e.message)} (in order_by clause '${excerpt(clause)}')`);
    throw e;
  }
}

/**
 * Parses a whole order_by list and rejects a key named twice, as MLflow does
 * ("`order_by` contains duplicate fields").
 */
export function parseOrderByList(clauses: readonly string[] | undefined, dialect: SearchDialect): OrderByKey[] {
  checkOrderByCount(clauses?.length ?? 0);
  const keys = (clauses ?? []).map((c) => parseOrderBy(c, dialect));
  const seen = new Set<string>();
  for (const k of keys) {
    const id = `${k.type}\u0000${k.key}`;
    if (seen.has(id)) {
      throw new InvalidParameterError(
        `\`order_by\` contains duplicate fields: [${(clauses ?? []).map((c) => `'${c}'`).join(', ')}]; name each key once`,
      );
    }
    seen.add(id);
  }
  return keys;
}

/** Refuses an order_by list longer than SEARCH_LIMITS.maxOrderByKeys (each key can be one more joined table). */
export function checkOrderByCount(count: number): void {
  if (count > SEARCH_LIMITS.maxOrderByKeys) {
    throw new InvalidParameterError(
      `Invalid order_by: it has ${count} keys, more than the ${SEARCH_LIMITS.maxOrderByKeys} a search may order by; order by fewer keys and sort further on the client`,
    );
  }
}

function parseClause(clause: string, dialect: SearchDialect): OrderByKey {
  const rules = DIALECTS[dialect];
  const tokens = tokenize(clause);
  const cursor = new TokenCursor(tokens);
  const examples = rules.orderEntities.includes('metric') ? 'metrics.<key>, attributes.start_time' : canonicalKeys(rules.orderAttributes).join(', ');
  const identifier = readIdentifier(cursor, `a key to order by such as ${examples}`);
  let ascending = true;
  const direction = cursor.peek();
  if (isKeyword(direction, 'ASC') || isKeyword(direction, 'DESC')) {
    ascending = isKeyword(direction, 'ASC');
    cursor.next();
  } else if (direction.kind === 'word' && tokens.indexOf(direction) === tokens.length - 2) {
    // `<key> <word>`: the word is in the direction's place.
    throw new SearchSemanticError(`Invalid ordering key '${direction.raw}' at position ${direction.start}; use ASC or DESC`);
  } else if (direction.kind !== 'end') {
    throw unexpected(direction, 'ASC, DESC or the end of the clause');
  }
  const rest = cursor.peek();
  if (rest.kind !== 'end') throw unexpected(rest, 'the end of the clause (one key per order_by entry)');

  const type: EntityType | undefined = identifier.prefix === undefined ? 'attribute' : rules.prefixes[identifier.prefix];
  if (type === undefined) {
    throw new SearchSemanticError(
      `Invalid entity type '${identifier.prefix}' in '${identifier.text}'. Valid entity types are ${rules.preferredPrefixes.join(', ')}`,
    );
  }
  if (!rules.orderEntities.includes(type)) {
    throw new SearchSemanticError(
      `Invalid order_by entity '${identifier.prefix}' in '${identifier.text}': ${dialect.replace('_', ' ')} results can be ordered by ` +
        describeOrderEntities(rules.orderEntities),
    );
  }
  if (type !== 'attribute') return { type, key: identifier.key, ascending };
  const key = rules.orderAttributes[identifier.key];
  if (key === undefined) {
    throw new SearchSemanticError(
      `Invalid attribute key '${identifier.key}' specified. Valid keys are: ${canonicalKeys(rules.orderAttributes).join(', ')}`,
    );
  }
  return { type, key, ascending };
}

function describeOrderEntities(types: readonly EntityType[]): string {
  const names: Record<EntityType, string> = {
    attribute: 'attributes',
    metric: 'metrics',
    parameter: 'params',
    tag: 'tags',
    dataset: 'datasets',
  };
  return types.map((t) => names[t]).join(', ');
}
