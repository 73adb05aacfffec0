import { join } from 'node:path';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');

/**
 * The datasets tests train and score with, read from the examples' own copies: a clone of the
 * repository is all a test run needs (no data folder beside the checkout).
 */
const FOLDERS = {
  'pima_diabetes.csv': 'diabetes-classification/data',
  'sklearn_diabetes_raw.csv': 'diabetes-regression/data',
  'sklearn_diabetes_batch_input.csv': 'diabetes-regression/data',
} as const;

export type DatasetName = keyof typeof FOLDERS;

export function datasetPath(name: DatasetName): string {
  return join(EXAMPLES, FOLDERS[name], name);
}

export const PIMA_CSV = datasetPath('pima_diabetes.csv');
