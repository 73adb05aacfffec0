import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { WorkspaceClient } from '@databricks/sdk-experimental';

/** Folders never shipped: version control, caches, local environments and local MLflow stores. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '__pycache__', '.venv', 'venv', '.mypy_cache', '.pytest_cache', 'mlruns', '.modelyard']);
/** Databricks' workspace/import takes at most 10 MB of content per call. */
export const MAX_UPLOAD_FILE_BYTES = 10 * 1024 * 1024;
/** A project is code plus small fixtures; bigger data belongs in cloud storage the cluster reads. */
export const MAX_UPLOAD_TOTAL_BYTES = 100 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 2000;

export interface ProjectFile {
  /** Relative, `/`-separated. */
  relPath: string;
  absPath: string;
  size: number;
}

/** The project's files to ship, checked against the limits before any upload starts. */
export async function listProjectFiles(projectDir: string): Promise<ProjectFile[]> {
  const files: ProjectFile[] = [];
  let total = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const absPath = join(dir, e.name);
      // Symbolic links are not followed: they could point outside the project.
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(absPath, relPath);
      } else if (e.isFile()) {
        const size = (await stat(absPath)).size;
        if (size > MAX_UPLOAD_FILE_BYTES) {
          throw new Error(`cannot ship ${relPath} to the Databricks workspace: it is ${size} bytes and workspace/import takes at most ${MAX_UPLOAD_FILE_BYTES}; put large data in cloud storage (abfss://, s3://) and read it from there`);
        }
        total += size;
        files.push({ relPath, absPath, size });
        if (files.length > MAX_UPLOAD_FILES || total > MAX_UPLOAD_TOTAL_BYTES) {
          throw new Error(
            `the project folder ${projectDir} is too big to ship to the Databricks workspace (more than ${MAX_UPLOAD_FILES} files or ${MAX_UPLOAD_TOTAL_BYTES / 1024 / 1024} MB); move data and environments out of it`,
          );
        }
      }
    }
  };
  await walk(projectDir, '');
  return files;
}

/**
 * Ships the project into `remoteDir` with the Workspace API (mkdirs, then import with format RAW,
 * so every file stays a workspace file byte for byte, a `.py` included, and none turns into a
 * notebook). `extra` files (the entry script) are written next to the project's.
 */
export async function uploadProject(
  client: WorkspaceClient,
  input: { projectDir: string; remoteDir: string; extra: Record<string, string | Buffer> },
): Promise<void> {
  const files = await listProjectFiles(input.projectDir);
  const dirs = new Set<string>([input.remoteDir]);
  for (const f of files) {
    const parent = posix.dirname(f.relPath);
    if (parent !== '.') dirs.add(posix.join(input.remoteDir, parent));
  }
  // mkdirs creates parents too; the deepest folders are enough, but each call is cheap and idempotent.
  for (const d of [...dirs].sort()) await client.workspace.mkdirs({ path: d });
  const put = (path: string, content: Buffer) =>
    client.workspace.import({ path, content: content.toString('base64'), format: 'RAW', overwrite: true });
  for (const f of files) await put(posix.join(input.remoteDir, f.relPath), await readFile(f.absPath));
  for (const [name, content] of Object.entries(input.extra)) await put(posix.join(input.remoteDir, name), Buffer.from(content));
}
