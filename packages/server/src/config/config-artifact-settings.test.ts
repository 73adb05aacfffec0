import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from './config.js';

describe('artifact settings', () => {
  it('keeps URIs as written and resolves plain paths against the working folder', () => {
    const config = resolveConfig(
      [{ dataDir: 'data', artifactsDestination: 'abfss://c01@acct.dfs.core.windows.net/mlflow', allowedArtifactRoots: 'shared, s3://bucket/team ,file:///mnt/x' }],
      '/srv',
    );
    expect(config.artifactsDestination).toBe('abfss://c01@acct.dfs.core.windows.net/mlflow');
    expect(config.allowedArtifactRoots).toEqual(['/srv/shared', 's3://bucket/team', 'file:///mnt/x']);
    expect(resolveConfig([{ artifactsDestination: 'artifacts' }], '/srv').artifactsDestination).toBe('/srv/artifacts');
    expect(resolveConfig([{ artifactsDestination: 's3://bucket/x' }], '/srv').artifactsDestination).toBe('s3://bucket/x');
  });

  it('serves artifacts by default; without serving, new experiments get the destination as their root', () => {
    expect(resolveConfig([{ dataDir: '/d' }])).toMatchObject({ serveArtifacts: true, defaultArtifactRoot: 'mlflow-artifacts:/' });
    expect(resolveConfig([{ dataDir: '/d', serveArtifacts: false }])).toMatchObject({ serveArtifacts: false, defaultArtifactRoot: '/d/artifacts' });
    expect(resolveConfig([{ serveArtifacts: 'false', artifactsDestination: 's3://bucket/ml' }])).toMatchObject({ defaultArtifactRoot: 's3://bucket/ml' });
    expect(resolveConfig([{ serveArtifacts: false, defaultArtifactRoot: 'wasbs://c01@a01.blob.core.windows.net/x' }]).defaultArtifactRoot).toBe(
      'wasbs://c01@a01.blob.core.windows.net/x',
    );
    expect(resolveConfig([configFromEnv({ MODELYARD_SERVE_ARTIFACTS: 'no' })]).serveArtifacts).toBe(false);
    expect(() => resolveConfig([{ serveArtifacts: 'maybe' }])).toThrow("serveArtifacts must be true or false, got 'maybe'");
  });
});
