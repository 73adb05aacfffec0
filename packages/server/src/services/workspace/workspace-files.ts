import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { AlreadyExistsError, AppError, InvalidParameterError, NotFoundError } from '../../errors.js';
import { workspacePath, workspaceParent } from '../../domain/pipelines/workspace-paths.js';

/** Databricks refuses a workspace/import of more than 10 MB. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Formats stored as the bytes given; the notebook formats would need a notebook model Modelyard does not have. */
const BYTE_FORMATS = new Set(['AUTO', 'RAW', 'SOURCE']);
const MAX_LIST = 10_000;

export interface WorkspaceObject {
  path: string;
  objectType: 'DIRECTORY' | 'FILE';
  objectId: number;
  size?: number;
  createdAt: number;
  modifiedAt: number;
}

/**
 * The part of the Databricks Workspace API a Databricks client needs to ship code
 * (worker/databricks uploads a project with it): folders and files under `<dataDir>/workspace`,
 * addressed by workspace path. Every object is a plain file: there are no notebooks, so a
 * SOURCE import keeps its bytes as they are. Errors carry Databricks' codes.
 */
export class WorkspaceFiles {
  constructor(private readonly root: string) {}

  /** The local file a workspace path names, for runners that execute workspace files (spark_python_task). */
  localPath(path: string): string {
    return join(this.root, this.rel(path).rel);
  }

  async mkdirs(path: string): Promise<void> {
    const p = this.rel(path);
    const existing = await this.statOf(p.rel);
    if (existing && !existing.isDirectory()) throw new AlreadyExistsError(`Path (${p.path}) already exists as a file; mkdirs creates folders`);
    // A file anywhere on the way is refused by mkdir (ENOTDIR/EEXIST), mapped below.
    await mkdir(join(this.root, p.rel), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOTDIR' || e.code === 'EEXIST') throw new AlreadyExistsError(`A parent of ${p.path} is a file, not a folder`);
      throw e;
    });
  }

  async import(input: { path: string; content?: string; format?: string; overwrite?: boolean }): Promise<void> {
    const p = this.rel(input.path);
    if (p.rel === '') throw new InvalidParameterError('path must name a file, not the workspace root');
    const format = input.format ?? 'SOURCE';
    if (!BYTE_FORMATS.has(format)) {
      throw new InvalidParameterError(`format ${format} is not supported by Modelyard's workspace (it has files, not notebooks): import with RAW, AUTO or SOURCE`);
    }
    const content = Buffer.from(input.content ?? '', 'base64');
    if (content.length > MAX_IMPORT_BYTES) {
      throw new AppError('MAX_NOTEBOOK_SIZE_EXCEEDED', `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`);
    }
    const parent = await this.statOf(this.rel(workspaceParent(p.path)).rel);
    if (!parent?.isDirectory()) throw new NotFoundError(`The parent folder (${workspaceParent(p.path)}) does not exist. Create it with workspace/mkdirs first.`);
    const existing = await this.statOf(p.rel);
    if (existing?.isDirectory()) throw new AlreadyExistsError(`Path (${p.path}) already exists as a folder`);
    if (existing && !input.overwrite) throw new AlreadyExistsError(`Path (${p.path}) already exists. Pass overwrite: true to replace it.`);
    await writeFile(join(this.root, p.rel), content);
  }

  async getStatus(path: string): Promise<WorkspaceObject> {
    const p = this.rel(path);
    const s = await this.statOf(p.rel);
    if (!s) throw missing(p.path);
    return objectOf(p.path, s);
  }

  async list(path: string): Promise<WorkspaceObject[]> {
    const p = this.rel(path);
    const s = await this.statOf(p.rel);
    if (!s) throw missing(p.path);
    if (!s.isDirectory()) return [objectOf(p.path, s)];
    const names = (await readdir(join(this.root, p.rel))).sort().slice(0, MAX_LIST);
    const out: WorkspaceObject[] = [];
    for (const name of names) {
      const child = await this.statOf(p.rel ? `${p.rel}/${name}` : name);
      if (child) out.push(objectOf(p.path === '/' ? `/${name}` : `${p.path}/${name}`, child));
    }
    return out;
  }

  async delete(path: string, recursive: boolean): Promise<void> {
    const p = this.rel(path);
    if (p.rel === '') throw new InvalidParameterError('the workspace root cannot be deleted');
    const s = await this.statOf(p.rel);
    if (!s) throw missing(p.path);
    const abs = join(this.root, p.rel);
    if (s.isDirectory() && !recursive && (await readdir(abs)).length > 0) {
      throw new AppError('DIRECTORY_NOT_EMPTY', `Folder (${p.path}) is not empty. Pass recursive: true to delete it with its contents.`);
    }
    await rm(abs, { recursive: true, force: true });
  }

  private rel(path: string): { rel: string; path: string } {
    const p = workspacePath(path);
    if (!p.ok) throw new InvalidParameterError(p.problem);
    return p;
  }

  /** lstat: the tree holds only what this class wrote, and a link (planted by hand) is never followed. */
  private async statOf(rel: string): Promise<Stats | undefined> {
    await mkdir(this.root, { recursive: true });
    try {
      const s = await lstat(join(this.root, rel));
      return s.isSymbolicLink() ? undefined : s;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
  }
}

function objectOf(path: string, s: Stats): WorkspaceObject {
  return {
    path,
    objectType: s.isDirectory() ? 'DIRECTORY' : 'FILE',
    objectId: s.ino,
    ...(s.isDirectory() ? {} : { size: s.size }),
    createdAt: Math.floor(s.birthtimeMs || s.ctimeMs),
    modifiedAt: Math.floor(s.mtimeMs),
  };
}

function missing(path: string): NotFoundError {
  return new NotFoundError(`Path (${path}) doesn't exist.`);
}
