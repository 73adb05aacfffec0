import { describe, expect, it } from 'vitest';
import { defaultRejectsPath } from './output-files.js';

describe('defaultRejectsPath: the rejects file beside the output', () => {
  it.each([
    ['/data/out/scores.parquet', 'parquet', '/data/out/scores.rejects.parquet'],
    ['/data/out/scores', 'csv', '/data/out/scores.rejects.csv'],
    ['/data/out/scores.v2.jsonl', 'jsonl', '/data/out/scores.v2.rejects.jsonl'],
    // Object-store URIs keep their `//`, which path.join would fold.
    ['s3://bucket/daily/scores.csv', 'csv', 's3://bucket/daily/scores.rejects.csv'],
    ['s3://bucket/scores.parquet', 'parquet', 's3://bucket/scores.rejects.parquet'],
    ['abfss://lake@acct.dfs.core.windows.net/out/scores.csv', 'csv', 'abfss://lake@acct.dfs.core.windows.net/out/scores.rejects.csv'],
    ['wasbs://c@acct.blob.core.windows.net/a/b/s.jsonl', 'jsonl', 'wasbs://c@acct.blob.core.windows.net/a/b/s.rejects.jsonl'],
  ] as const)('%s → %s', (output, format, expected) => {
    expect(defaultRejectsPath(output, format)).toBe(expected);
  });
});
