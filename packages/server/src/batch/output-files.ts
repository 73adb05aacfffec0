import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isObjectStoreUri } from '@modelyard/sdk';
import { InvalidParameterError } from '../errors.js';

export type OutputFormat = 'csv' | 'parquet' | 'jsonl';

export function outputFormatOf(path: string, explicit?: OutputFormat): OutputFormat {
  if (explicit) return explicit;
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new InvalidParameterError(`cannot tell the output format of '${path}'; name it .parquet, .csv or .jsonl (or pass the format)`);
}

export function extensionOf(format: OutputFormat): string {
  return format === 'jsonl' ? 'jsonl' : format;
}

/** DuckDB COPY options writing `format` (header only where asked: CSV parts are concatenated). */
export function copyOptions(format: OutputFormat, header = true): string {
  if (format === 'csv') return `(FORMAT csv, HEADER ${header})`;
  if (format === 'parquet') return '(FORMAT parquet)';
  return '(FORMAT json)';
}

/** `scores.parquet` → `scores.rejects.parquet`, beside the output (a local path or an object-store URI). */
export function defaultRejectsPath(output: string, format: OutputFormat): string {
  // By string for URIs: path.join would fold `s3://` into `s3:/`.
  const slash = output.lastIndexOf('/');
  const name = isObjectStoreUri(output) ? output.slice(slash + 1) : basename(output);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const rejects = `${stem}.rejects.${extensionOf(format)}`;
  return isObjectStoreUri(output) ? `${output.slice(0, slash + 1)}${rejects}` : join(dirname(output), rejects);
}

const WORK_MARK = '.modelyard-';

/**
 * A private folder beside the output holding the job's DuckDB file, spill files and part files.
 * Beside, not in the system temp folder: the final rename must stay on one file system, and a
 * large job needs the output disk's room. The name carries the pid, so a later job can remove
 * what a killed one left behind.
 */
export async function createWorkDir(output: string): Promise<string> {
  const dir = dirname(resolve(output));
  await mkdir(dir, { recursive: true });
  await removeStaleWorkDirs(dir, basename(output));
  return mkdtemp(join(dir, `.${basename(output)}${WORK_MARK}${process.pid}-`));
}

async function removeStaleWorkDirs(dir: string, name: string): Promise<void> {
  const prefix = `.${name}${WORK_MARK}`;
  for (const entry of await readdir(dir)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

/** Whether process `pid` still runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Appends finished CSV / JSON-lines parts to one file, in order, as they come: text formats
 * concatenate byte for byte (only the first CSV part has a header).
 */
export class TextPartConcatenator {
  private readonly out;
  private readonly closed: Promise<void>;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.closed = new Promise((resolveClosed, reject) => {
      this.out.on('close', resolveClosed);
      this.out.on('error', reject);
    });
  }

  async append(part: string): Promise<void> {
    await copyInto(this.out, part);
    await rm(part, { force: true });
  }

  async close(): Promise<void> {
    this.out.end();
    await this.closed;
  }

  destroy(): void {
    this.out.destroy();
  }
}

/**
 * Copies `path` (bytes `start` to `end` inclusive) to the end of `out`, which stays open.
 * (stream.pipeline with `end: false` leaves its listeners on the destination, one set per part.)
 */
export async function copyInto(out: WriteStream, path: string, range: { start?: number; end?: number } = {}): Promise<void> {
  for await (const chunk of createReadStream(path, range)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}

/** Moves a finished file to its final name; a rename is atomic, so readers never see part of it. */
export async function publish(tmp: string, final: string): Promise<void> {
  await mkdir(dirname(final), { recursive: true });
  await rename(tmp, final);
}
