import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { platform } from '#platform';
import { SourceError } from '../errors';
import { defaultCacheDir } from '../source';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnn-platform-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Node platform', () => {
  it('lists a directory sorted by name, following links to directories', async () => {
    await mkdir(join(dir, 'cat'));
    await mkdir(join(dir, 'Bird'));
    await writeFile(join(dir, 'b.txt'), 'x');
    await symlink(join(dir, 'cat'), join(dir, 'dog'));
    await symlink(join(dir, 'b.txt'), join(dir, 'a-link.txt'));
    await symlink(join(dir, 'gone'), join(dir, 'broken'));
    expect(platform.name).toBe('node');
    expect(await platform.listDir(dir)).toEqual([
      { name: 'Bird', directory: true },
      { name: 'a-link.txt', directory: false },
      { name: 'b.txt', directory: false },
      { name: 'broken', directory: false },
      { name: 'cat', directory: true },
      { name: 'dog', directory: true },
    ]);
  });

  it('reads a file as a plain Uint8Array', async () => {
    await writeFile(join(dir, 'f.bin'), new Uint8Array([0, 1, 254, 255]));
    const bytes = await platform.readFile(join(dir, 'f.bin'));
    expect(bytes.constructor).toBe(Uint8Array);
    expect(Array.from(bytes)).toEqual([0, 1, 254, 255]);
  });

  it('says which path failed and why', async () => {
    const missing = join(dir, 'missing');
    await expect(platform.listDir(missing)).rejects.toThrow(SourceError);
    await expect(platform.listDir(missing)).rejects.toThrow(`cannot list the directory '${missing}': ENOENT`);
    await writeFile(join(dir, 'file'), 'x');
    await expect(platform.listDir(join(dir, 'file'))).rejects.toThrow(/ENOTDIR/);
    await expect(platform.readFile(missing)).rejects.toThrow(`cannot read '${missing}': ENOENT`);
    await expect(platform.readFile(dir)).rejects.toThrow(/EISDIR/);
  });
});

describe('defaultCacheDir in Node', () => {
  const keys = ['CNN_DATA_DIR', 'XDG_CACHE_HOME'] as const;
  const saved = keys.map((key) => process.env[key]);
  afterEach(() => {
    keys.forEach((key, i) => {
      if (saved[i] === undefined) delete process.env[key];
      else process.env[key] = saved[i];
    });
  });

  it('follows CNN_DATA_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    process.env.CNN_DATA_DIR = dir;
    process.env.XDG_CACHE_HOME = join(dir, 'xdg');
    expect(defaultCacheDir()).toBe(dir);
    delete process.env.CNN_DATA_DIR;
    expect(defaultCacheDir()).toBe(join(dir, 'xdg', 'cnn-datasets'));
    delete process.env.XDG_CACHE_HOME;
    expect(defaultCacheDir()).toBe(join(homedir(), '.cache', 'cnn-datasets'));
    expect(platform.defaultCacheDir()).toBe(defaultCacheDir());
  });
});
