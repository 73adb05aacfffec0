import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from './local-artifact-repository.js';

let dir: string;
let root: string;
let outside: string;
let repo: LocalArtifactRepository;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelyard-local-repo-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  repo = new LocalArtifactRepository(root);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);

describe('LocalArtifactRepository', () => {
  it('lists nothing, and reports nothing exists, before the root folder is created', async () => {
    expect(await repo.list('')).toEqual([]);
    expect(await repo.exists('a.txt')).toBe(false);
  });

  it('writes nested files, creating folders, and lists one level sorted with sizes', async () => {
    await repo.write('model/MLmodel', body('flavors: {}\n'));
    await repo.write('model/data/model.onnx', body(Buffer.alloc(1000, 7)));
    await repo.write('b.txt', body('bb'));
    expect(await repo.list('')).toEqual([
      { path: 'b.txt', isDir: false, fileSize: 2 },
      { path: 'model', isDir: true },
    ]);
    expect(await repo.list('model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: 12 },
      { path: 'model/data', isDir: true },
    ]);
    expect(await repo.list('b.txt')).toEqual([]);
    expect(await repo.list('missing')).toEqual([]);
    expect(readFileSync(join(root, 'model', 'data', 'model.onnx'))).toEqual(Buffer.alloc(1000, 7));
  });

  it('reads back what was written; a missing file or a folder is RESOURCE_DOES_NOT_EXIST', async () => {
    await repo.write('dir/a.txt', body('hello'));
    const read = await repo.openRead('dir/a.txt');
    expect(read.size).toBe(5);
    expect(await text(read.stream)).toBe('hello');
    await expect(repo.openRead('dir/nope.txt')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(repo.openRead('dir')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(repo.openRead('dir/a.txt/x')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('overwrites a file whole and leaves no temp files behind', async () => {
    await repo.write('a.txt', body('first version, longer'));
    await repo.write('a.txt', body('second'));
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('second');
    expect(readdirSync(root)).toEqual(['a.txt']);
  });

  it('keeps the old file and removes the temp file when the body fails mid-way', async () => {
    await repo.write('a.txt', body('old'));
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(repo.write('a.txt', failing)).rejects.toThrow('client went away');
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('old');
    expect(readdirSync(root)).toEqual(['a.txt']);
  });

  it('refuses to write over a folder or below a file', async () => {
    await repo.write('dir/a.txt', body('x'));
    await expect(repo.write('dir', body('y'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.write('dir/a.txt/b.txt', body('y'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.write('', body('y'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('deletes files and folders recursively; deleting a missing path is fine; the root is refused', async () => {
    await repo.write('dir/sub/a.txt', body('x'));
    await repo.write('b.txt', body('x'));
    await repo.delete('dir');
    await repo.delete('b.txt');
    await repo.delete('never-existed');
    await repo.delete('b.txt/below-a-file');
    expect(await repo.list('')).toEqual([]);
    await expect(repo.delete('')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses lexical escapes without touching the filesystem outside the root', async () => {
    for (const path of ['../outside/secret.txt', '/etc/passwd', 'a\\..\\b', 'a\u0000b']) {
      await expect(repo.openRead(path)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.write(path, body('pwned'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.delete(path)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.list(path)).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    }
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(readdirSync(dir).sort()).toEqual(['outside']);
  });

  describe('with symlinks planted in the root', () => {
    beforeEach(() => {
      mkdirSync(join(root, 'inner'), { recursive: true });
      writeFileSync(join(root, 'inner', 'ok.txt'), 'fine');
      symlinkSync(outside, join(root, 'escape-dir'));
      symlinkSync(join(outside, 'secret.txt'), join(root, 'escape-file'));
      symlinkSync(join(root, 'inner'), join(root, 'inside-link'));
    });

    it('refuses to read, write, delete or list through a link that leaves the root', async () => {
      await expect(repo.openRead('escape-file')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.openRead('escape-dir/secret.txt')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.list('escape-dir')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.write('escape-dir/new.txt', body('pwned'))).rejects.toMatchObject({
        errorCode: 'INVALID_PARAMETER_VALUE',
      });
      await expect(repo.write('escape-dir/deeper/new.txt', body('pwned'))).rejects.toMatchObject({
        errorCode: 'INVALID_PARAMETER_VALUE',
      });
      await expect(repo.delete('escape-dir/secret.txt')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      expect(readdirSync(outside)).toEqual(['secret.txt']);
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    });

    it('follows links that stay inside the root and leaves escaping ones out of listings', async () => {
      expect(await text((await repo.openRead('inside-link/ok.txt')).stream)).toBe('fine');
      expect(await repo.list('')).toEqual([
        { path: 'inner', isDir: true },
        { path: 'inside-link', isDir: true },
      ]);
    });
  });
});
