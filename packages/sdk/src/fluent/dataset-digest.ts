import { createHash } from 'node:crypto';

/**
 * A short content digest for a dataset, in the spirit of MLflow's: the first 8 hex characters of
 * an MD5 over the data's bytes (or rows as JSON), so the same data logged twice has one digest.
 */
export function datasetDigest(content: string | Uint8Array | ReadonlyArray<unknown>): string {
  const hash = createHash('md5');
  if (typeof content === 'string' || content instanceof Uint8Array) hash.update(content);
  else for (const row of content) hash.update(JSON.stringify(row) + '\n');
  return hash.digest('hex').slice(0, 8);
}
