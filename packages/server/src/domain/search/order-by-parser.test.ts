import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import type { OrderByKey, SearchDialect } from './ast.js';
import { parseLoggedModelOrderBy } from './logged-model-order-by.js';
import type { LoggedModelOrderBy, LoggedModelOrderByInput } from './logged-model-order-by.js';
import { parseOrderBy, parseOrderByList } from './order-by-parser.js';

const key = (type: OrderByKey['type'], k: string, ascending: boolean): OrderByKey => ({ type, key: k, ascending });

const VALID: Array<[SearchDialect, string, OrderByKey]> = [
  ['run', 'metrics.rmse', key('metric', 'rmse', true)],
  ['run', 'metrics.rmse DESC', key('metric', 'rmse', false)],
  ['run', 'metric.`f1 score` asc', key('metric', 'f1 score', true)],
  ['run', 'params.`learning rate` desc', key('parameter', 'learning rate', false)],
  ['run', 'tags.mlflow.runName', key('tag', 'mlflow.runName', true)],
  ['run', 'tags."my tag" DESC', key('tag', 'my tag', false)],
  ['run', 'start_time asc', key('attribute', 'start_time', true)],
  ['run', 'attributes.created DESC', key('attribute', 'start_time', false)],
  ['run', 'attribute.run_name', key('attribute', 'run_name', true)],
  ['run', '  end_time   DeSc ', key('attribute', 'end_time', false)],
  ['experiment', 'name', key('attribute', 'name', true)],
  ['experiment', 'experiment_id DESC', key('attribute', 'experiment_id', false)],
  ['experiment', 'attribute.creation_time desc', key('attribute', 'creation_time', false)],
  ['experiment', 'last_update_time', key('attribute', 'last_update_time', true)],
  ['registered_model', 'name DESC', key('attribute', 'name', false)],
  ['registered_model', 'timestamp DESC', key('attribute', 'last_updated_timestamp', false)],
  ['registered_model', 'creation_timestamp', key('attribute', 'creation_timestamp', true)],
  ['model_version', 'version_number DESC', key('attribute', 'version_number', false)],
  ['model_version', 'last_updated_timestamp', key('attribute', 'last_updated_timestamp', true)],
  ['logged_model', 'creation_time DESC', key('attribute', 'creation_timestamp', false)],
  ['logged_model', 'metrics.acc', key('metric', 'acc', true)],
];

const INVALID: Array<[SearchDialect, string, RegExp]> = [
  ['run', 'metrics.rmse DESC ASC', /^Invalid order_by clause 'metrics\.rmse DESC ASC'\. Could not be parsed: unexpected token 'ASC' at position 18/],
  ['run', 'metrics.rmse, params.a', /^Invalid order_by clause .*Could not be parsed: unexpected token ','/],
  ['run', '', /^Invalid order_by clause ''\. Could not be parsed: unexpected end of input; expected a key to order by/],
  ['run', "'start_time'", /^Invalid order_by clause .*Could not be parsed: unexpected token 'start_time'/],
  ['run', 'start_time UP', /^Invalid ordering key 'UP' at position 11; use ASC or DESC \(in order_by clause 'start_time UP'\)/],
  ['run', 'foo.bar', /^Invalid entity type 'foo' in 'foo\.bar'\. Valid entity types are metrics, params, tags, attributes, datasets/],
  ['run', 'datasets.name', /^Invalid order_by entity 'datasets' in 'datasets\.name': run results can be ordered by metrics, params, tags, attributes/],
  ['run', 'attributes.status_code', /^Invalid attribute key 'status_code' specified\. Valid keys are: artifact_uri, end_time, run_id, run_name, start_time, status, user_id/],
  ['experiment', 'tags.team', /^Invalid order_by entity 'tags' in 'tags\.team': experiment results can be ordered by attributes/],
  ['experiment', 'artifact_location', /^Invalid attribute key 'artifact_location' specified\. Valid keys are: creation_time, experiment_id, last_update_time, name/],
  ['registered_model', 'version_number', /^Invalid attribute key 'version_number' specified/],
  ['model_version', 'run_id', /^Invalid attribute key 'run_id' specified/],
  ['logged_model', 'params.lr', /^Invalid order_by entity 'params' in 'params\.lr'/],
];

function errorOf(fn: () => unknown): InvalidParameterError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return e as InvalidParameterError;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('parseOrderBy', () => {
  it.each(VALID)('%s: %s', (dialect, clause, expected) => {
    expect(parseOrderBy(clause, dialect)).toEqual(expected);
  });

  it.each(INVALID)('%s rejects %s', (dialect, clause, message) => {
    const err = errorOf(() => parseOrderBy(clause, dialect));
    expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(err.message).toMatch(message);
  });
});

describe('parseOrderByList', () => {
  it('keeps the order of the clauses', () => {
    expect(parseOrderByList(['metrics.a DESC', 'params.b', 'start_time'], 'run')).toEqual([
      key('metric', 'a', false),
      key('parameter', 'b', true),
      key('attribute', 'start_time', true),
    ]);
    expect(parseOrderByList(undefined, 'run')).toEqual([]);
  });

  it('rejects a key named twice, also through an alias', () => {
    const err = errorOf(() => parseOrderByList(['start_time DESC', 'created ASC'], 'run'));
    expect(err.message).toMatch(/^`order_by` contains duplicate fields: \['start_time DESC', 'created ASC'\]/);
  });

  it('lets a metric and a param share a key name', () => {
    expect(parseOrderByList(['metrics.x', 'params.x'], 'run')).toHaveLength(2);
  });
});

describe('parseLoggedModelOrderBy', () => {
  const valid: Array<[LoggedModelOrderByInput, LoggedModelOrderBy]> = [
    [{ fieldName: 'name' }, { kind: 'attribute', key: 'name', ascending: true }],
    [{ fieldName: 'creation_time', ascending: false }, { kind: 'attribute', key: 'creation_timestamp', ascending: false }],
    [{ fieldName: 'last_updated_timestamp' }, { kind: 'attribute', key: 'last_updated_timestamp', ascending: true }],
    [{ fieldName: 'metrics.acc', ascending: false }, { kind: 'metric', key: 'acc', ascending: false }],
    [{ fieldName: 'metrics.`f1 score`' }, { kind: 'metric', key: 'f1 score', ascending: true }],
    [
      { fieldName: 'metrics.acc', datasetName: 'eval', datasetDigest: 'd1' },
      { kind: 'metric', key: 'acc', ascending: true, datasetName: 'eval', datasetDigest: 'd1' },
    ],
    [{ fieldName: 'metrics.acc', datasetName: 'eval' }, { kind: 'metric', key: 'acc', ascending: true, datasetName: 'eval' }],
  ];
  it.each(valid)('%j', (input, expected) => {
    const [parsed] = parseLoggedModelOrderBy([input]);
    // Absent dataset fields may be present as undefined; compare what is set.
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(expected);
  });

  const invalid: Array<[LoggedModelOrderByInput[], RegExp]> = [
    [[{ fieldName: '' }], /^`field_name` in the `order_by` clause must be specified/],
    [[{ fieldName: 'params.lr' }], /^Invalid order by field name: 'params\.lr'; use metrics\.<name> or one of/],
    [[{ fieldName: 'metrics.' }], /^Invalid order by field name: 'metrics\.'/],
    [[{ fieldName: 'size' }], /^Invalid order by field name: 'size'/],
    [[{ fieldName: 'metrics.acc', datasetDigest: 'd1' }], /`dataset_digest` .* only be specified together with `dataset_name`/],
    [[{ fieldName: 'name' }, { fieldName: 'name', ascending: false }], /names 'name' more than once/],
  ];
  it.each(invalid)('rejects %j', (input, message) => {
    expect(errorOf(() => parseLoggedModelOrderBy(input)).message).toMatch(message);
  });

  it('accepts the same metric scoped to two datasets', () => {
    expect(
      parseLoggedModelOrderBy([
        { fieldName: 'metrics.acc', datasetName: 'a' },
        { fieldName: 'metrics.acc', datasetName: 'b' },
      ]),
    ).toHaveLength(2);
  });
});
