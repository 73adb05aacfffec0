import { fileURLToPath } from 'node:url';

const FOLDERS: Record<string, string> = {
  'pima_diabetes.csv': 'diabetes-classification/data',
  'sklearn_diabetes_raw.csv': 'diabetes-regression/data',
  'sklearn_diabetes_batch_input.csv': 'diabetes-regression/data',
};

/** Path of a dataset, read from the examples' own copies (a clone of the repository is all a test run needs). */
export function sharedData(name: string): string {
  const folder = FOLDERS[name];
  if (!folder) throw new Error(`no example dataset named ${name} (known: ${Object.keys(FOLDERS).join(', ')})`);
  return fileURLToPath(new URL(`../../../../examples/${folder}/${name}`, import.meta.url));
}
