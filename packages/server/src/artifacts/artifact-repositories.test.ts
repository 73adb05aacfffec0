import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/config.js';
import { isAppError } from '../errors.js';
import { createArtifactRepositories } from './artifact-repositories.js';
import { LocalArtifactRepository } from './local/local-artifact-repository.js';

const dir = mkdtempSync(join(tmpdir(), 'modelyard-repos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = resolveConfig([{ dataDir: dir, allowedArtifactRoots: ['/data', 'mlruns'] }]);
const repos = createArtifactRepositories(config);

function where(uri: string): { root: string; basePath: string } {
  const location = repos.resolve(uri);
  expect(location.repository).toBeInstanceOf(LocalArtifactRepository);
  return { root: (location.repository as LocalArtifactRepository).root, basePath: location.basePath };
}

function errorOf(uri: string): { code: string; message: string } | undefined {
  try {
    repos.resolve(uri);
    return undefined;
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { code: e.errorCode, message: e.message };
  }
}

describe('createArtifactRepositories', () => {
  it('maps proxied URIs onto the artifacts destination, sharing one repository', () => {
    const destination = { root: config.artifactsDestination, basePath: '' };
    expect(where('mlflow-artifacts:/')).toEqual(destination);
    expect(where('mlflow-artifacts:/0/abc/artifacts')).toEqual({ ...destination, basePath: '0/abc/artifacts' });
    expect(where('mlflow-artifacts://host:5000/0/abc/artifacts/')).toEqual({ ...destination, basePath: '0/abc/artifacts' });
    expect(where('http://host:5000/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts')).toEqual({
      ...destination,
      basePath: '0/abc/artifacts',
    });
    expect(repos.resolve('mlflow-artifacts:/1').repository).toBe(repos.proxied.repository);
  });

  it('roots local repositories at file: URIs and plain paths', () => {
    expect(where('file:///data/mlruns/0/abc/artifacts')).toEqual({ root: '/data/mlruns/0/abc/artifacts', basePath: '' });
    expect(where('file:/data/x%20y')).toEqual({ root: '/data/x y', basePath: '' });
    expect(where('/data/mlruns/1')).toEqual({ root: '/data/mlruns/1', basePath: '' });
    expect(where('mlruns/1')).toEqual({ root: join(process.cwd(), 'mlruns/1'), basePath: '' });
  });

  it('refuses proxied URIs whose path leaves the destination', () => {
    for (const uri of ['mlflow-artifacts:/0/../../etc', 'mlflow-artifacts:/%2e%2e/etc', 'mlflow-artifacts://h/a/%2E%2E/%2E%2E/x']) {
      expect(errorOf(uri)).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'artifact_uri'") });
    }
    expect(errorOf('https://host/not/the/proxy/path')).toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect(errorOf('file://remote-host/share')).toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses local locations outside the artifact roots, and URIs a parser would cut short', () => {
    for (const uri of ['/etc', 'file:///etc', 'file:///data/../etc', '/datax/1', 'file:///data/a?', 'file:///data/a#b', 'file:///data%2F..%2Fetc', 'file:data/x']) {
      expect(errorOf(uri), uri).toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    }
  });

  it('answers NOT_IMPLEMENTED for schemes no repository serves, naming the ones that are', () => {
    expect(errorOf('gs://bucket/x')).toEqual({
      code: 'NOT_IMPLEMENTED',
      message: expect.stringMatching(/scheme 'gs:'.*file:, s3:, wasbs:, abfss:, mlflow-artifacts:, http:, https:/),
    });
  });

  it('reads object-store locations only below its object-store roots (none configured here)', () => {
    for (const uri of ['wasbs://container@account.blob.core.windows.net/x', 's3://bucket/mlruns/1', 'abfss://c01@acct.dfs.core.windows.net/p']) {
      expect(errorOf(uri), uri).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringContaining('reads object-store artifacts only below its artifact roots (none configured)'),
      });
    }
    expect(errorOf('s3://bad!bucket/a')).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('not an S3 bucket name') });
  });
});
