import { DefaultAzureCredential } from '@azure/identity';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { azureBlobClientFromEnv } from './azure-blob-client-from-env.js';
import { parseObjectStoreUri } from './object-store-uri.js';
import type { AzureBlobLocation } from './object-store-uri.js';
import { s3ClientFromEnv } from './s3-client-from-env.js';

const KEY = Buffer.from('a test key, not a secret').toString('base64');
const azure = (uri: string) => parseObjectStoreUri(uri) as AzureBlobLocation;

describe('azureBlobClientFromEnv: MLflow\'s order of credentials', () => {
  it('takes the connection string first, with its endpoint, for its own account only', () => {
    const cs = `DefaultEndpointsProtocol=http;AccountName=acct01;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:1/acct01;`;
    const setup = azureBlobClientFromEnv(azure('abfss://c01@acct01.dfs.core.windows.net/x'), { AZURE_STORAGE_CONNECTION_STRING: cs, AZURE_STORAGE_ACCESS_KEY: KEY });
    expect(setup.credentialSource).toBe('AZURE_STORAGE_CONNECTION_STRING');
    expect(setup.service.url).toBe('http://127.0.0.1:1/acct01');
    expect(() => azureBlobClientFromEnv(azure('wasbs://c01@other01.blob.core.windows.net/x'), { AZURE_STORAGE_CONNECTION_STRING: cs })).toThrow(
      "AZURE_STORAGE_CONNECTION_STRING is for storage account 'acct01', but the artifact URI names account 'other01'",
    );
    const bad = () => azureBlobClientFromEnv(azure('wasbs://c01@acct01.blob.core.windows.net/x'), { AZURE_STORAGE_CONNECTION_STRING: `garbage;AccountKey=${KEY}` });
    expect(bad).toThrow(/is not a valid Azure Storage connection string/);
    expect(bad).not.toThrow(KEY);
  });

  it('uses the access key on the URI\'s account and cloud, then DefaultAzureCredential', () => {
    const keyed = azureBlobClientFromEnv(azure('wasbs://c01@acct01.blob.core.chinacloudapi.cn/x'), { AZURE_STORAGE_ACCESS_KEY: KEY });
    expect(keyed.credentialSource).toBe('AZURE_STORAGE_ACCESS_KEY');
    expect(keyed.service.url).toBe('https://acct01.blob.core.chinacloudapi.cn/');
    expect(keyed.service.credential).toBeInstanceOf(StorageSharedKeyCredential);
    const chained = azureBlobClientFromEnv(azure('abfss://c01@acct01.dfs.core.windows.net/x'), {});
    expect(chained.credentialSource).toBe('DefaultAzureCredential');
    expect(chained.service.url).toBe('https://acct01.blob.core.windows.net/');
    expect(chained.service.credential).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('s3ClientFromEnv: MLflow\'s S3 settings', () => {
  it('addresses an S3-compatible endpoint path-style, with static keys and checksums only where required', async () => {
    const { client, endpoint } = s3ClientFromEnv({
      MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
    });
    expect(endpoint).toBe('http://127.0.0.1:9000');
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'id', secretAccessKey: 'secret' });
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    client.destroy();
  });

  it('keeps virtual-host addressing for AWS itself, defaults the region, and honours the addressing style', async () => {
    const aws = s3ClientFromEnv({});
    expect(aws.client.config.forcePathStyle).toBe(false);
    expect(await aws.client.config.region()).toBe('us-east-1');
    expect(await aws.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    aws.client.destroy();
    const virtual = s3ClientFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'https://s3.example.test', MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'virtual' });
    expect(virtual.client.config.forcePathStyle).toBe(false);
    virtual.client.destroy();
  });

  it('reads MLFLOW_S3_UPLOAD_EXTRA_ARGS and refuses what cannot work, naming the variable', () => {
    const { client, uploadExtraArgs } = s3ClientFromEnv({ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{"ServerSideEncryption": "AES256"}' });
    expect(uploadExtraArgs).toEqual({ ServerSideEncryption: 'AES256' });
    client.destroy();
    expect(() => s3ClientFromEnv({ MLFLOW_S3_UPLOAD_EXTRA_ARGS: 'AES256' })).toThrow(/MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object/);
    expect(() => s3ClientFromEnv({ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '[1]' })).toThrow(/MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object/);
    expect(() => s3ClientFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'localhost:9000' })).toThrow(/MLFLOW_S3_ENDPOINT_URL must be an http\(s\):\/\/ URL/);
  });
});
