import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/config.js';
import { isAppError } from '../../errors.js';
import { createArtifactRepositories } from '../artifact-repositories.js';
import { ObjectStoreRepository } from './object-store-repository.js';
import { ObjectStoreRoots } from './object-store-roots.js';

function errorOf(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.errorCode, message: e.message };
  }
}

const roots = new ObjectStoreRoots([
  ['--artifacts-destination', 's3://team-bucket/mlflow'],
  ['--default-artifact-root', 'wasbs://artifacts@teamacct.blob.core.windows.net/'],
  ['--allowed-artifact-roots', 's3://team-bucket/mlflow/shared'],
  ['--allowed-artifact-roots', '/local/path/is/skipped'],
]);

describe('ObjectStoreRoots', () => {
  it('serves a URI from the deepest root that holds it, with the path below that root', () => {
    const at = (uri: string) => {
      const l = roots.locate(uri);
      return { root: (l.repository as ObjectStoreRepository).uri, basePath: l.basePath };
    };
    expect(at('s3://team-bucket/mlflow')).toEqual({ root: 's3://team-bucket/mlflow', basePath: '' });
    expect(at('s3://team-bucket/mlflow/1/abc/artifacts/')).toEqual({ root: 's3://team-bucket/mlflow', basePath: '1/abc/artifacts' });
    expect(at('s3://team-bucket//mlflow//shared/x')).toEqual({ root: 's3://team-bucket/mlflow/shared', basePath: 'x' });
    expect(at('wasbs://artifacts@teamacct.blob.core.windows.net/7/r/artifacts')).toEqual({
      root: 'wasbs://artifacts@teamacct.blob.core.windows.net',
      basePath: '7/r/artifacts',
    });
  });

  it('takes abfss:// and wasbs:// of one account and container as the same store', () => {
    const l = roots.locate('abfss://artifacts@TEAMACCT.dfs.core.windows.net/3/r');
    expect((l.repository as ObjectStoreRepository).uri).toBe('wasbs://artifacts@teamacct.blob.core.windows.net');
    expect(l.basePath).toBe('3/r');
  });

  it('refuses locations outside every root: other buckets, accounts, containers, clouds and sibling prefixes', () => {
    for (const uri of [
      's3://team-bucket/mlflow-secrets/x',
      's3://team-bucket/',
      's3://other-bucket/mlflow/x',
      'wasbs://artifacts@otheracct.blob.core.windows.net/x',
      'wasbs://private@teamacct.blob.core.windows.net/x',
      'wasbs://artifacts@teamacct.blob.core.chinacloudapi.cn/x',
    ]) {
      expect(errorOf(() => roots.locate(uri)), uri).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringMatching(/only below its artifact roots \(s3:\/\/team-bucket\/mlflow\/shared, s3:\/\/team-bucket\/mlflow, wasbs:.*--allowed-artifact-roots/),
      });
    }
  });

  it('refuses malformed object-store URIs as 400s naming the field', () => {
    for (const uri of ['s3://team-bucket/mlflow/../secrets', 's3://key:secret@team-bucket/x', 'wasbs://artifacts/x', 'abfss://artifacts@teamacct.blob.core.windows.net/x', 's3://team-bucket/a?b', 's3://team-bucket/a#b']) {
      expect(errorOf(() => roots.locate(uri, 'artifact_location')), uri).toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringContaining("'artifact_location'"),
      });
    }
  });
});

describe('createArtifactRepositories with object stores', () => {
  it('keeps an object-store destination as a URI and serves mlflow-artifacts:/ from it', () => {
    const config = resolveConfig([{ dataDir: '/tmp/x', artifactsDestination: 's3://team-bucket/proxied/' }]);
    expect(config.artifactsDestination).toBe('s3://team-bucket/proxied/');
    const repos = createArtifactRepositories(config, { objectStores: { env: {} } });
    expect(repos.proxied.repository).toBeInstanceOf(ObjectStoreRepository);
    expect((repos.proxied.repository as ObjectStoreRepository).uri).toBe('s3://team-bucket/proxied');
    const run = repos.resolve('mlflow-artifacts:/0/abc/artifacts');
    expect(run).toEqual({ repository: repos.proxied.repository, basePath: '0/abc/artifacts' });
    expect(repos.resolve('s3://team-bucket/proxied/0/abc').basePath).toBe('0/abc');
  });

  it('refuses at start a destination or allowed root no store serves, naming the setting and what works', () => {
    for (const [setting, value] of [
      ['artifactsDestination', 'gs://bucket/mlflow'],
      ['artifactsDestination', 'ftp://host/x'],
      ['artifactsDestination', 'mlflow-artifacts:/x'],
      ['allowedArtifactRoots', 'hdfs://namenode/x'],
    ] as const) {
      const config = resolveConfig([{ dataDir: '/tmp/x', [setting]: value }]);
      expect(errorOf(() => createArtifactRepositories(config)), value).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringMatching(/^--(artifacts-destination|allowed-artifact-roots) ".*": scheme '.*:' is not an artifact store .* s3:\/\/<bucket>\/<path>, wasbs:\/\/.* abfss:\/\//),
      });
    }
    const malformed = resolveConfig([{ dataDir: '/tmp/x', artifactsDestination: 'wasbs://container/path' }]);
    expect(errorOf(() => createArtifactRepositories(malformed))?.message).toMatch(/^--artifacts-destination: Invalid artifact URI "wasbs:\/\/container\/path": expected wasbs:\/\/<container>@/);
  });
});
