import { fileURLToPath } from 'node:url';

/**
 * Path of a file in the shared data folder, which sits beside the repository checkout (../shared
 * from the repository root) on developer machines and in CI.
 */
export function sharedData(name: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/${name}`, import.meta.url));
}
