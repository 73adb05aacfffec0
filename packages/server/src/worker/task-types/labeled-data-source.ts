import { isObjectStoreUri } from '@modelyard/sdk';
import { ObjectStoreStaging } from '../../batch/object-store-staging.js';
import { readLabeledCsv } from './model-scoring.js';
import type { LabeledData } from './model-scoring.js';

/**
 * An evaluate task's labelled CSV: a local file, or one at an s3://, wasbs:// or abfss:// URI,
 * downloaded (streamed to a staging file below TMPDIR, deleted afterwards) as batch scoring
 * stages its inputs. The task holds the rows in memory either way, to score and compare them.
 */
export async function readLabeledData(path: string, targetColumn: string, signal?: AbortSignal): Promise<LabeledData> {
  if (!isObjectStoreUri(path)) return readLabeledCsv(path, targetColumn);
  const staging = new ObjectStoreStaging(signal ? { signal } : {});
  try {
    const local = await staging.input(path, {
      accept: (name) => /\.csv$/i.test(name),
      refusal: 'is not a .csv file; an evaluate task reads one labelled CSV file',
      files: 'CSV files',
      folders: false,
      what: 'data_path',
    });
    return await readLabeledCsv(local, targetColumn, path);
  } finally {
    await staging.release();
  }
}
