import { describe, expect, it } from 'vitest';
import { resolveByteRange } from './object-store.js';
import { childLocation, formatObjectStoreUri, isObjectStoreUri, parseObjectStoreUri } from './object-store-uri.js';

describe('parseObjectStoreUri', () => {
  it.each([
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/mlflow//1/', { kind: 's3', bucket: 'my-bucket', prefix: 'mlflow/1' }],
    ['S3://my-bucket/a b/%20', { kind: 's3', bucket: 'my-bucket', prefix: 'a b/%20' }],
    [
      'wasbs://models@teamacct.blob.core.windows.net/mlflow/',
      { kind: 'azure-blob', scheme: 'wasbs', container: 'models', account: 'teamacct', endpointSuffix: 'core.windows.net', prefix: 'mlflow' },
    ],
    [
      'abfss://lake@TeamAcct.dfs.core.chinacloudapi.cn/raw/diabetes',
      { kind: 'azure-blob', scheme: 'abfss', container: 'lake', account: 'teamacct', endpointSuffix: 'core.chinacloudapi.cn', prefix: 'raw/diabetes' },
    ],
  ])('parses %s', (uri, location) => {
    expect(parseObjectStoreUri(uri)).toEqual(location);
  });

  it.each([
    ['s3://bucket/a/../b', "'.' and '..' segments"],
    ['s3://bucket/./b', "'.' and '..' segments"],
    ['s3://bucket/a?versionId=1', "'?' and '#'"],
    ['s3://bucket/a#frag', "'?' and '#'"],
    ['s3://bucket/a\\b', "and control characters"],
    ['s3://bucket/a\u0000b', 'control characters'],
    ['s3://AKIA:secret@bucket/x', 'credentials or ports do not belong'],
    ['s3://bucket:9000/x', 'credentials or ports do not belong'],
    ['s3://bad!name/x', 'is not an S3 bucket name'],
    ['wasbs://container/x', 'expected wasbs://<container>@<account>.blob.core.windows.net/<path>'],
    ['wasbs://c01@acct.dfs.core.windows.net/x', 'expected wasbs://'],
    ['abfss://c01@acct.blob.core.windows.net/x', 'expected abfss://<container>@<account>.dfs.core.windows.net/<path>'],
    ['wasbs://Upper@acct.blob.core.windows.net/x', 'is not a container name'],
    ['wasbs://c01@a@acct.blob.core.windows.net/x', 'expected wasbs://'],
    ['wasbs://c01@evil.com/x', 'expected wasbs://'],
    ['gs://bucket/x', 'is not an object-store URI'],
  ])('refuses %s', (uri, why) => {
    expect(() => parseObjectStoreUri(uri)).toThrow(why);
  });

  it('formats the canonical URI and moves down a path', () => {
    const l = parseObjectStoreUri('ABFSS://lake@TeamAcct.dfs.core.windows.net//raw/');
    expect(formatObjectStoreUri(l)).toBe('abfss://lake@teamacct.dfs.core.windows.net/raw');
    expect(formatObjectStoreUri(childLocation(l, 'a/b/'))).toBe('abfss://lake@teamacct.dfs.core.windows.net/raw/a/b');
    expect(() => childLocation(l, '../x')).toThrow("'.' and '..'");
    expect(isObjectStoreUri('s3://b/x')).toBe(true);
    expect(isObjectStoreUri('s3:/b/x')).toBe(false);
    expect(isObjectStoreUri('mlflow-artifacts:/x')).toBe(false);
  });
});

describe('resolveByteRange', () => {
  it.each([
    [{ start: 0, end: 9 }, 100, { start: 0, end: 9 }],
    [{ start: 90 }, 100, { start: 90, end: 99 }],
    [{ start: 90, end: 500 }, 100, { start: 90, end: 99 }],
    [{ suffixLength: 10 }, 100, { start: 90, end: 99 }],
    [{ suffixLength: 1000 }, 100, { start: 0, end: 99 }],
    [{ start: 100 }, 100, undefined],
    [{ start: 5, end: 4 }, 100, undefined],
    [{ suffixLength: 0 }, 100, undefined],
    [{ start: 0 }, 0, undefined],
    [{ suffixLength: 5 }, 0, undefined],
  ])('%j of %i bytes → %j', (range, size, span) => {
    expect(resolveByteRange(range, size)).toEqual(span);
  });
});
