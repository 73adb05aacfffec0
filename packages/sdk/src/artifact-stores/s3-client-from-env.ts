import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

type Env = Record<string, string | undefined>;

/** What an S3 client was built from, for messages (never holds a secret). */
export interface S3ClientSetup {
  client: S3Client;
  /** MLFLOW_S3_ENDPOINT_URL, or undefined for AWS itself. */
  endpoint: string | undefined;
  /** Extra PutObject / CreateMultipartUpload parameters from MLFLOW_S3_UPLOAD_EXTRA_ARGS. */
  uploadExtraArgs: Record<string, unknown>;
}

function flag(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.trim().toLowerCase());
}

/**
 * MLflow's S3 settings (the ones `mlflow.store.artifact.s3_artifact_repo` reads) on the AWS SDK:
 *
 * - `MLFLOW_S3_ENDPOINT_URL`: an S3-compatible store (MinIO, Ceph, s3rver…); path-style addressing
 *   then, unless `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE` says `virtual` (`path` forces it for AWS too).
 * - `MLFLOW_S3_IGNORE_TLS=true`: do not verify the endpoint's certificate (self-signed test stores).
 * - `MLFLOW_S3_UPLOAD_EXTRA_ARGS`: JSON of extra upload parameters, e.g.
 *   `{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "…"}`.
 * - Credentials: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` from `env` when
 *   both are set there; otherwise the SDK's default chain (process environment, `AWS_PROFILE` and
 *   the shared files, SSO, web identity, ECS and EC2 instance roles).
 * - Region: `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1; a bucket in another region is
 *   followed there (boto3 does the same), so an unset region still works against AWS.
 */
export function s3ClientFromEnv(env: Env): S3ClientSetup {
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#]+/i.test(endpoint)) {
    throw new Error(`MLFLOW_S3_ENDPOINT_URL must be an http(s):// URL of the S3-compatible store, got ${JSON.stringify(endpoint)}`);
  }
  const style = env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE?.trim().toLowerCase();
  const forcePathStyle = style === 'path' || (style !== 'virtual' && endpoint !== undefined);
  let uploadExtraArgs: Record<string, unknown> = {};
  if (env.MLFLOW_S3_UPLOAD_EXTRA_ARGS) {
    try {
      uploadExtraArgs = JSON.parse(env.MLFLOW_S3_UPLOAD_EXTRA_ARGS) as Record<string, unknown>;
    } catch {
      throw new Error('MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object of S3 upload parameters, e.g. {"ServerSideEncryption": "AES256"}');
    }
    if (typeof uploadExtraArgs !== 'object' || uploadExtraArgs === null || Array.isArray(uploadExtraArgs)) {
      throw new Error('MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object of S3 upload parameters');
    }
  }
  const config: S3ClientConfig = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    followRegionRedirects: true,
    forcePathStyle,
    // Connecting may take long on a busy network, but a store that accepts no connection at all
    // should fail a request (and a start-up check) in seconds, not hang.
    requestHandler: {
      connectionTimeout: 10_000,
      ...(flag(env.MLFLOW_S3_IGNORE_TLS) ? { httpsAgent: new HttpsAgent({ keepAlive: true, rejectUnauthorized: false }) } : {}),
    },
  };
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    // The SDK's default since 2025 sends CRC checksums (and aws-chunked streaming bodies) on every
    // upload, which many S3-compatible stores refuse; they still get a checksum where S3 requires one.
    if (!env.AWS_REQUEST_CHECKSUM_CALCULATION) config.requestChecksumCalculation = 'WHEN_REQUIRED';
    if (!env.AWS_RESPONSE_CHECKSUM_VALIDATION) config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  } else if (env.AWS_PROFILE) {
    config.profile = env.AWS_PROFILE;
  }
  return { client: new S3Client(config), endpoint, uploadExtraArgs };
}
