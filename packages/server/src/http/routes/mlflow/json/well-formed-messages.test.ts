import { LogBatch } from '@modelyard/contract';
import { describe, expect, it } from 'vitest';
import { validate } from '../../../mlflow-route.js';
import { parseWellFormedLogBatch } from './well-formed-messages.js';

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
