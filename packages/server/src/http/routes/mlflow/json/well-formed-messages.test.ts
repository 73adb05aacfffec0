import { LogBatch, LogMetric } from '@modelyard/contract';
import { describe, expect, it } from 'vitest';
import { validate } from '../../../mlflow-route.js';
import { parseWellFormedLogBatch, parseWellFormedLogMetric } from './well-formed-messages.js';

const RUN = '0123456789abcdef0123456789abcdef';

describe('parseWellFormedLogBatch', () => {
  it('gives what the schema gives for plain metrics, params and tags', () => {
    const input = {
      run_id: RUN,
      metrics: [
        { key: 'a', value: 1, timestamp: 2, step: 3 },
        { key: 'b', value: 0.25, timestamp: 2 },
      ],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: '' }],
    };
    const fast = parseWellFormedLogBatch(input);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(validate(LogBatch, input));
  });

  it('keeps optional metric fields and drops unknown ones, as the schema does', () => {
    const input = {
      run_id: RUN,
      extra: 1,
      metrics: [
        { key: 'a', value: -1e-9, timestamp: 0, step: -2, model_id: 'm-1', dataset_name: 'train', dataset_digest: 'abc', unknown: true },
        { key: 'b', value: 3, timestamp: 9_007_199_254_740_991, model_id: '' },
      ],
    };
    const fast = parseWellFormedLogBatch(input);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(validate(LogBatch, input));
  });

  it('leaves a batch with one converted metric to the schema', () => {
    expect(parseWellFormedLogBatch({ run_id: RUN, metrics: [{ key: 'a', value: 1, timestamp: '2' }] })).toBeUndefined();
    expect(parseWellFormedLogBatch({ run_id: RUN, metrics: [{ key: 'a', value: 1, timestamp: 2, step: 2.5 }] })).toBeUndefined();
    expect(parseWellFormedLogBatch({ run_id: RUN, metrics: [{ key: 'a', value: 1, timestamp: 2 }, { key: 'b', value: 'Infinity', timestamp: 2 }] })).toBeUndefined();
  });
});

describe('parseWellFormedLogMetric', () => {
  it('gives what the schema gives, with either run id spelling and optional fields', () => {
    const inputs = [
      { run_id: RUN, key: 'loss', value: 0.5, timestamp: 1_700_000_000_000, step: 7 },
      { run_uuid: RUN, key: 'loss', value: -3, timestamp: 0 },
      { run_id: RUN, run_uuid: RUN, key: 'acc', value: 1, timestamp: 5, step: -1, model_id: 'm-1', dataset_name: 'eval', dataset_digest: 'd', extra: [1] },
    ];
    for (const input of inputs) {
      const fast = parseWellFormedLogMetric(input);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(validate(LogMetric, input));
    }
  });

  it('leaves anything converted or wrong to the schema', () => {
    for (const input of [
      { run_id: RUN, key: 'a', value: 'NaN', timestamp: 1 },
      { run_id: RUN, key: 'a', value: 1, timestamp: '1' },
      { run_id: RUN, key: 'a', value: 1, timestamp: 1, step: 0.5 },
      { run_id: 7, key: 'a', value: 1, timestamp: 1 },
      { run_id: RUN, value: 1, timestamp: 1 },
      [1],
      null,
    ]) {
      expect(parseWellFormedLogMetric(input)).toBeUndefined();
    }
  });
});
