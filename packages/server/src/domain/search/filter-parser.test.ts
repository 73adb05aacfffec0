import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import type { Comparison, SearchDialect } from './ast.js';
import { parseSearchFilter } from './filter-parser.js';

type Valid = [filter: string, expected: Comparison[]];
const c = (type: Comparison['type'], key: string, op: Comparison['op'], value: Comparison['value']): Comparison => ({ type, key, op, value });

const VALID: Readonly<Record<SearchDialect, Valid[]>> = {
  run: [
    ['', []],
    ['   ', []],
    ['metrics.acc > 0.9', [c('metric', 'acc', '>', 0.9)]],
    ['metric.acc >= -1', [c('metric', 'acc', '>=', -1)]],
    ['metrics.loss < 1e-3', [c('metric', 'loss', '<', 0.001)]],
    ['metrics.loss <= -2.5E+2', [c('metric', 'loss', '<=', -250)]],
    ['metrics.x = .5', [c('metric', 'x', '=', 0.5)]],
    ['metrics.x != 3', [c('metric', 'x', '!=', 3)]],
    ['metrics.5 > 1', [c('metric', '5', '>', 1)]],
    ['  metrics.acc>0.9  ', [c('metric', 'acc', '>', 0.9)]],
    ["params.model = 'tree'", [c('parameter', 'model', '=', 'tree')]],
    ['param.model != "tree"', [c('parameter', 'model', '!=', 'tree')]],
    ["parameters.lr LIKE '0.0%'", [c('parameter', 'lr', 'LIKE', '0.0%')]],
    ["parameter.lr ilike '%A%'", [c('parameter', 'lr', 'ILIKE', '%A%')]],
    ["params.quote = 'it''s'", [c('parameter', 'quote', '=', "it's")]],
    ["params.quote = 'it\\'s'", [c('parameter', 'quote', '=', "it's")]],
    ["params.pattern LIKE '%\\_%'", [c('parameter', 'pattern', 'LIKE', '%\\_%')]],
    ["tags.mlflow.runName = 'x'", [c('tag', 'mlflow.runName', '=', 'x')]],
    ["tag.`my key` = 'v'", [c('tag', 'my key', '=', 'v')]],
    ['tags."my key" = \'v\'', [c('tag', 'my key', '=', 'v')]],
    ['metrics.`my-metric` > 1', [c('metric', 'my-metric', '>', 1)]],
    ['metrics."f1 score" < 0.5', [c('metric', 'f1 score', '<', 0.5)]],
    ['`metrics`.`acc` > 0', [c('metric', 'acc', '>', 0)]],
    ["attributes.status = 'FINISHED'", [c('attribute', 'status', '=', 'FINISHED')]],
    ["attribute.user_id != 'me'", [c('attribute', 'user_id', '!=', 'me')]],
    ["attr.run_name LIKE 'base%'", [c('attribute', 'run_name', 'LIKE', 'base%')]],
    ["run.artifact_uri ILIKE 's3://%'", [c('attribute', 'artifact_uri', 'ILIKE', 's3://%')]],
    ["status = 'RUNNING'", [c('attribute', 'status', '=', 'RUNNING')]],
    ['start_time >= 1700000000000', [c('attribute', 'start_time', '>=', 1700000000000)]],
    ['attributes.end_time < 5', [c('attribute', 'end_time', '<', 5)]],
    ['attributes.created > 0', [c('attribute', 'start_time', '>', 0)]],
    ['Created > 0', [c('attribute', 'start_time', '>', 0)]],
    ["`Run name` = 'x'", [c('attribute', 'run_name', '=', 'x')]],
    ['"run name" = \'x\'', [c('attribute', 'run_name', '=', 'x')]],
    ["attributes.run_id IN ('a', 'b')", [c('attribute', 'run_id', 'IN', ['a', 'b'])]],
    ["run_id in ('a')", [c('attribute', 'run_id', 'IN', ['a'])]],
    ['run_id NOT IN ("a","b")', [c('attribute', 'run_id', 'NOT IN', ['a', 'b'])]],
    ["datasets.name = 'train'", [c('dataset', 'name', '=', 'train')]],
    ["dataset.digest IN ('d1', 'd2')", [c('dataset', 'digest', 'IN', ['d1', 'd2'])]],
    ["datasets.context LIKE 'tr%'", [c('dataset', 'context', 'LIKE', 'tr%')]],
    ["datasets.name NOT IN ('eval')", [c('dataset', 'name', 'NOT IN', ['eval'])]],
    ['tags.x IS NULL', [c('tag', 'x', 'IS NULL', null)]],
    ['params.y is not null', [c('parameter', 'y', 'IS NOT NULL', null)]],
    [
      "metrics.a > 1 and params.b = 'x' AnD tags.c like 'y%' AND status = 'FINISHED'",
      [c('metric', 'a', '>', 1), c('parameter', 'b', '=', 'x'), c('tag', 'c', 'LIKE', 'y%'), c('attribute', 'status', '=', 'FINISHED')],
    ],
  ],
  experiment: [
    ["name = 'a'", [c('attribute', 'name', '=', 'a')]],
    ["attribute.name LIKE 'a%'", [c('attribute', 'name', 'LIKE', 'a%')]],
    ["name ILIKE '%Prod%'", [c('attribute', 'name', 'ILIKE', '%Prod%')]],
    ["tags.team = 'x'", [c('tag', 'team', '=', 'x')]],
    ["tag.`team name` != 'x'", [c('tag', 'team name', '!=', 'x')]],
    ['creation_time > 100', [c('attribute', 'creation_time', '>', 100)]],
    ["last_update_time <= 5 AND name = 'a'", [c('attribute', 'last_update_time', '<=', 5), c('attribute', 'name', '=', 'a')]],
  ],
  registered_model: [
    ["name = 'm'", [c('attribute', 'name', '=', 'm')]],
    ["attribute.name != 'm'", [c('attribute', 'name', '!=', 'm')]],
    ["name LIKE 'm%'", [c('attribute', 'name', 'LIKE', 'm%')]],
    ["name ILIKE '%M%'", [c('attribute', 'name', 'ILIKE', '%M%')]],
    ["tags.t = 'v'", [c('tag', 't', '=', 'v')]],
    ["tag.`k k` LIKE 'v%' and tags.u ILIKE 'W'", [c('tag', 'k k', 'LIKE', 'v%'), c('tag', 'u', 'ILIKE', 'W')]],
  ],
  model_version: [
    ["name = 'm'", [c('attribute', 'name', '=', 'm')]],
    ["run_id IN ('a', 'b')", [c('attribute', 'run_id', 'IN', ['a', 'b'])]],
    ["run_id = 'x'", [c('attribute', 'run_id', '=', 'x')]],
    ['version_number = 3', [c('attribute', 'version_number', '=', 3)]],
    ["version_number >= '2'", [c('attribute', 'version_number', '>=', 2)]],
    ["source_path LIKE 's3://bucket/%'", [c('attribute', 'source_path', 'LIKE', 's3://bucket/%')]],
    ["attribute.source_path ILIKE '%MODEL%'", [c('attribute', 'source_path', 'ILIKE', '%MODEL%')]],
    ["tags.t != 'v' AND name = 'm'", [c('tag', 't', '!=', 'v'), c('attribute', 'name', '=', 'm')]],
  ],
  logged_model: [
    ["name = 'm'", [c('attribute', 'name', '=', 'm')]],
    ["attributes.model_id = 'm-1'", [c('attribute', 'model_id', '=', 'm-1')]],
    ["model_type LIKE 'agent%'", [c('attribute', 'model_type', 'LIKE', 'agent%')]],
    ["status = 'READY'", [c('attribute', 'status', '=', 'READY')]],
    ["source_run_id = 'r1'", [c('attribute', 'source_run_id', '=', 'r1')]],
    ['creation_time > 5', [c('attribute', 'creation_timestamp', '>', 5)]],
    ['creation_timestamp >= 5', [c('attribute', 'creation_timestamp', '>=', 5)]],
    ['last_updated_timestamp < 3', [c('attribute', 'last_updated_timestamp', '<', 3)]],
    ['metrics.acc >= 0.5', [c('metric', 'acc', '>=', 0.5)]],
    ["params.lr = '0.1'", [c('parameter', 'lr', '=', '0.1')]],
    ["tags.t ILIKE 'a%'", [c('tag', 't', 'ILIKE', 'a%')]],
  ],
};

type Invalid = [filter: string, message: RegExp];

const INVALID: Readonly<Record<SearchDialect, Invalid[]>> = {
  run: [
    ["metrics.acc > 0.9 OR params.a = 'b'", /^Invalid clause\(s\) in filter string .*OR at position 18 is not supported/],
    ['(metrics.acc > 1)', /^Invalid clause\(s\) in filter string .*'\(' at position 0/],
    ["metrics.acc > 0.9 params.a = 'b'", /^Invalid clause\(s\) in filter string .*unexpected token 'params' at position 18; expected AND/],
    ['metrics.acc', /^Invalid clause\(s\) in filter string .*unexpected end of input; expected a comparison operator/],
    ['metrics.acc >', /^Invalid clause\(s\) in filter string .*unexpected end of input; expected a value for metrics.acc/],
    ["tags.a = 'x' AND", /^Invalid clause\(s\) in filter string .*unexpected end of input; expected an identifier/],
    ["run_id IN ()", /^Invalid clause\(s\) in filter string .*list at position 10 is empty/],
    ["run_id IN ('a', 1)", /^Invalid clause\(s\) in filter string .*unexpected token '1' at position 16; expected a quoted string in the list/],
    ["run_id IN 'a'", /^Invalid clause\(s\) in filter string .*expected a parenthesised list/],
    ['metrics.my-metric > 1', /^Invalid clause\(s\) in filter string .*unexpected character '-' at position 10; quote keys .* with backticks/],
    ['metrics.m-1 > 1', /^Invalid clause\(s\) in filter string .*'metrics\.m-1' .* contains '-'.*metrics\.`m-1`/],
    ["params.a = 'unterminated", /^Invalid clause\(s\) in filter string .*unterminated string starting at position 11/],
    ['metrics.`acc > 1', /^Invalid clause\(s\) in filter string .*unterminated backtick/],
    ['metrics.acc <> 1', /^Invalid clause\(s\) in filter string .*'<>' at position 12 is not supported; use !=/],
    ['metrics. acc > 1', /^Invalid clause\(s\) in filter string .*ends with '\.'/],
    ["params.a NOT LIKE 'x'", /^Invalid clause\(s\) in filter string .*expected IN after NOT/],
    ["params.a = 'x' ; tags.b = 'y'", /^Invalid clause\(s\) in filter string .*unexpected character ';' at position 15/],
    ["foo.bar = 'x'", /^Invalid entity type 'foo' in 'foo.bar'\. Valid entity types are metrics, params, tags, attributes, datasets/],
    ["attributes.foo = 'x'", /^Invalid attribute key 'foo' specified\. Valid keys are: artifact_uri, end_time, run_id, run_name, start_time, status, user_id/],
    ["datasets.size = 'x'", /^Invalid dataset key 'size' specified\. Valid keys are: name, digest, context/],
    ["metrics.acc LIKE '1%'", /^Invalid comparator 'LIKE' at position 12 for metrics\.acc: not one of =, !=, >, >=, <, <=/],
    ["tags.a IN ('x')", /^Invalid comparator 'IN' at position 7 for tags\.a/],
    ["start_time LIKE '1%'", /^Invalid comparator 'LIKE' .* \(the comparators numeric attributes accept\)/],
    ["status > 'A'", /^Invalid comparator '>' .*string attributes/],
    ["metrics.acc > 'x'", /^Expected numeric value type for metrics\.acc\. Found 'x' at position 14/],
    ["start_time > 'yesterday'", /^Expected numeric value type for start_time/],
    ['params.a = 5', /^Expected a quoted string value for params\.a .*Found 5 at position 11/],
    ['status = RUNNING', /^Expected a quoted string value for status/],
    ["status IN ('a')", /^Only the 'run_id' attribute supports comparison with a list of quoted strings; status does not/],
  ],
  experiment: [
    ["attributes.name = 'a'", /^Invalid entity type 'attributes' in 'attributes\.name'\. Valid entity types are attribute, tags/],
    ["metrics.a > 1", /^Invalid entity type 'metrics'/],
    ["experiment_id = '1'", /^Invalid attribute key 'experiment_id' specified\. Valid keys are: creation_time, last_update_time, name/],
    ["creation_time = '5'", /^Expected numeric value type for creation_time/],
    ["name > 'a'", /^Invalid comparator '>'/],
    ["name IN ('a')", /^Invalid comparator 'IN'/],
  ],
  registered_model: [
    ["run_id = 'x'", /^Invalid attribute key 'run_id' specified\. Valid keys are: name/],
    ["name IN ('a')", /^Invalid comparator 'IN'/],
    ['tags.t IS NULL', /^Invalid comparator 'IS NULL'/],
    ['metrics.x > 1', /^Invalid entity type 'metrics'/],
    ['name = 3', /^Expected a quoted string value for name/],
  ],
  model_version: [
    ["run_id NOT IN ('a')", /^Invalid comparator 'NOT IN'/],
    ["name IN ('a')", /^Only the 'run_id' attribute supports comparison with a list/],
    ["version_number = 'x'", /^Expected numeric value type for version_number/],
    ['creation_timestamp > 1', /^Invalid attribute key 'creation_timestamp' specified/],
    ["version_number LIKE '1%'", /^Invalid comparator 'LIKE'/],
  ],
  logged_model: [
    ['metric.acc > 1', /^Invalid entity type 'metric' in 'metric\.acc'\. Valid entity types are metrics, params, tags, attributes/],
    ["datasets.name = 'x'", /^Invalid entity type 'datasets'/],
    ['tags.t IS NULL', /^Invalid comparator 'IS NULL'/],
    ["foo = 'x'", /^Invalid attribute key 'foo' specified/],
    ["metrics.acc ILIKE 'x'", /^Invalid comparator 'ILIKE'/],
    ["creation_time > 'x'", /^Expected numeric value type for creation_time/],
  ],
};

describe('parseSearchFilter', () => {
  for (const [dialect, cases] of Object.entries(VALID) as Array<[SearchDialect, Valid[]]>) {
    describe(`${dialect} dialect accepts`, () => {
      it.each(cases)('%s', (filter, expected) => {
        expect(parseSearchFilter(filter, dialect)).toEqual(expected);
      });
    });
  }

  for (const [dialect, cases] of Object.entries(INVALID) as Array<[SearchDialect, Invalid[]]>) {
    describe(`${dialect} dialect rejects`, () => {
      it.each(cases)('%s', (filter, message) => {
        let thrown: unknown;
        try {
          parseSearchFilter(filter, dialect);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(InvalidParameterError);
        const err = thrown as InvalidParameterError;
        expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
        expect(err.message).toMatch(message);
        // Every message quotes the filter it is about, so a client log line is self-contained.
        expect(err.message).toContain(`'${filter}'`);
      });
    });
  }
});
