import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { StoragePipelineOptions } from '@azure/storage-blob';
import type { AzureBlobLocation } from './object-store-uri.js';

type Env = Record<string, string | undefined>;

export interface AzureBlobClientSetup {
  service: BlobServiceClient;
  /** How the client authenticates, for messages (never a secret). */
  credentialSource: 'AZURE_STORAGE_CONNECTION_STRING' | 'AZURE_STORAGE_ACCESS_KEY' | 'DefaultAzureCredential';
}

/**
 * Retries a little faster than the SDK's default (4 s, doubling): a start-up check of an
 * unreachable account then fails in seconds, and a transfer still rides out a short outage.
 */
const PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 },
  userAgentOptions: { userAgentPrefix: 'modelyard' },
};

/**
 * The client MLflow's Azure repositories would make, in their order:
 *
 * 1. `AZURE_STORAGE_CONNECTION_STRING`: its account and endpoint (Azurite's
 *    `BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1` too). It must be the URI's account:
 *    a connection string for one account is never sent to another.
 * 2. `AZURE_STORAGE_ACCESS_KEY`: the URI's account, shared-key auth.
 * 3. Otherwise `DefaultAzureCredential`: a service principal (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`,
 *    `AZURE_CLIENT_SECRET` or a certificate), workload identity, managed identity, the Azure CLI.
 *
 * Both `wasbs://` and `abfss://` (ADLS Gen2) go to the account's Blob endpoint
 * (`<account>.blob.<suffix>`): ADLS Gen2 accounts serve the Blob API on the same data.
 */
export function azureBlobClientFromEnv(location: AzureBlobLocation, env: Env): AzureBlobClientSetup {
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING?.trim();
  if (connectionString) {
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(connectionString, PIPELINE);
    } catch (e) {
      // The SDK's message may quote the string, key included: say only what is wrong.
      throw new Error(`AZURE_STORAGE_CONNECTION_STRING is not a valid Azure Storage connection string (${(e as Error).name}); copy it from the account's "Access keys" page`);
    }
    if (service.accountName.toLowerCase() !== location.account) {
      throw new Error(
        `AZURE_STORAGE_CONNECTION_STRING is for storage account '${service.accountName}', but the artifact URI names account '${location.account}'; ` +
          'use a connection string of that account, or AZURE_STORAGE_ACCESS_KEY / a service principal',
      );
    }
    return { service, credentialSource: 'AZURE_STORAGE_CONNECTION_STRING' };
  }
  const url = `https://${location.account}.blob.${location.endpointSuffix}`;
  const key = env.AZURE_STORAGE_ACCESS_KEY?.trim();
  if (key) {
    return { service: new BlobServiceClient(url, new StorageSharedKeyCredential(location.account, key), PIPELINE), credentialSource: 'AZURE_STORAGE_ACCESS_KEY' };
  }
  return { service: new BlobServiceClient(url, new DefaultAzureCredential(), PIPELINE), credentialSource: 'DefaultAzureCredential' };
}
