import { InvalidParameterError } from '../../errors.js';
import { DIALECTS, canonicalKeys } from './dialects.js';
import { checkOrderByCount } from './order-by-parser.js';

/** One entry of SearchLoggedModels' structured `order_by` (MLflow 3), camelCased. */
export interface LoggedModelOrderByInput {
  fieldName: string;
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

export type LoggedModelOrderBy =
  | { kind: 'attribute'; key: string; ascending: boolean }
  | { kind: 'metric'; key: string; ascending: boolean; datasetName?: string; datasetDigest?: string };

/**
 * Validates SearchLoggedModels' order_by: `field_name` is an attribute (name, model_id,
 * creation_timestamp…, aliases resolved) or `metrics.<name>`, optionally scoped to a dataset.
 * Rejects a field named twice.
 */
export function parseLoggedModelOrderBy(entries: readonly LoggedModelOrderByInput[] | undefined): LoggedModelOrderBy[] {
  checkOrderByCount(entries?.length ?? 0);
  const rules = DIALECTS.logged_model;
  const out: LoggedModelOrderBy[] = [];
  const seen = new Set<string>();
  for (const entry of entries ?? []) {
    const fieldName = entry.fieldName?.trim() ?? '';
    if (fieldName === '') {
      throw new InvalidParameterError('`field_name` in the `order_by` clause must be specified, e.g. {"field_name": "creation_timestamp"}');
    }
    if (entry.datasetDigest && !entry.datasetName) {
      throw new InvalidParameterError(
        `\`dataset_digest\` in the order_by entry for '${fieldName}' can only be specified together with \`dataset_name\``,
      );
    }
    const ascending = entry.ascending ?? true;
    let parsed: LoggedModelOrderBy;
    const dot = fieldName.indexOf('.');
    if (dot >= 0) {
      const entity = fieldName.slice(0, dot);
      const key = stripBackticks(fieldName.slice(dot + 1));
      if (entity !== 'metrics' || key === '') {
        throw new InvalidParameterError(
          `Invalid order by field name: '${fieldName}'; use metrics.<name> or one of ${canonicalKeys(rules.orderAttributes).join(', ')}`,
        );
      }
      parsed = { kind: 'metric', key, ascending, datasetName: entry.datasetName || undefined, datasetDigest: entry.datasetDigest || undefined };
    } else {
      const key = rules.orderAttributes[fieldName];
      if (key === undefined) {
        throw new InvalidParameterError(
          `Invalid order by field name: '${fieldName}'; use metrics.<name> or one of ${canonicalKeys(rules.orderAttributes).join(', ')}`,
        );
      }
      parsed = { kind: 'attribute', key, ascending };
    }
    const id = parsed.kind === 'metric' ? `m\u0000${parsed.key}\u0000${parsed.datasetName ?? ''}\u0000${parsed.datasetDigest ?? ''}` : `a\u0000${parsed.key}`;
    if (seen.has(id)) throw new InvalidParameterError(`\`order_by\` names '${fieldName}' more than once; name each field once`);
    seen.add(id);
    out.push(parsed);
  }
  return out;
}

function stripBackticks(key: string): string {
  return key.length >= 2 && key.startsWith('`') && key.endsWith('`') ? key.slice(1, -1) : key;
}
