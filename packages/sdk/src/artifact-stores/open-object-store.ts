import type { ObjectStore, ObjectStoreOptions } from './object-store.js';
import { parseObjectStoreUri } from './object-store-uri.js';

/**
 * The store behind an `s3://`, `wasbs://` or `abfss://` URI, rooted there. The AWS and Azure SDKs
 * load on first use only: a process that never touches an object store never pays for them.
 * Throws (before any request) for a malformed URI or settings that cannot work, naming the fix.
 */
export async function openObjectStore(uri: string, options: ObjectStoreOptions = {}): Promise<ObjectStore> {
  const location = parseObjectStoreUri(uri);
  if (location.kind === 's3') return (await import('./s3-object-store.js')).createS3ObjectStore(location, options);
  return (await import('./azure-blob-object-store.js')).createAzureBlobObjectStore(location, options);
}
