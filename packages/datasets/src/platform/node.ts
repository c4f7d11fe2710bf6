import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SourceError } from '../errors';
import { download } from './node_download';
import { checkDigest, readBytes, reason, sha256Hex } from './node_fs';
import type { DirEntry, Platform } from './types';

/**
 * Node's half: paths and `file:` URLs read from disk, http(s) downloads cached under
 * {@link defaultCacheDir} (see `node_download.ts`), SHA-256 by `node:crypto`.
 *
 * @example
 * ```ts
 * import { platform } from '#platform';
 * for (const entry of await platform.listDir('faces')) if (entry.directory) console.log(entry.name);
 * ```
 */
export const platform: Platform = {
  name: 'node',
  defaultCacheDir,

  async load(location, options) {
    const url = location instanceof URL ? location : parseUrl(location);
    if (url === undefined) return readLocal(location as string, options.sha256);
    if (url.protocol === 'file:') return readLocal(fileURLToPath(url), options.sha256);
    if (url.protocol === 'http:' || url.protocol === 'https:')
      return download(url, options.cacheDir ?? defaultCacheDir(), options);
    throw new SourceError(`cannot load '${url.href}': expected an http(s) or file URL, or a path`, url.href);
  },

  gunzip(bytes) {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },

  sha256: async (bytes) => sha256Hex(bytes),

  async listDir(path) {
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      throw new SourceError(`cannot list the directory '${path}': ${reason(error)}`, path, { cause: error });
    }
    const listed = await Promise.all(
      entries.map(async (entry): Promise<DirEntry> => {
        const link = entry.isSymbolicLink();
        const target = link ? await stat(join(path, entry.name)).catch(() => undefined) : undefined;
        return { name: entry.name, directory: link ? target?.isDirectory() === true : entry.isDirectory() };
      }),
    );
    // readdir's order depends on the file system; loaders number classes by this order.
    return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },

  readFile: readBytes,
};

function defaultCacheDir(): string {
  const env = process.env;
  if (env.CNN_DATA_DIR) return resolve(env.CNN_DATA_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'cnn-datasets');
  if (process.platform === 'win32') {
    return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'cnn-datasets');
  }
  return join(homedir(), '.cache', 'cnn-datasets');
}

/** An http(s) or file URL given as a string; anything else is a path. */
function parseUrl(location: string): URL | undefined {
  if (!/^(https?|file):/i.test(location)) return undefined;
  try {
    return new URL(location);
  } catch (error) {
    throw new SourceError(`'${location}' is not a valid URL`, location, { cause: error });
  }
}

async function readLocal(path: string, sha256: string | undefined): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  if (sha256 !== undefined) checkDigest(path, sha256, sha256Hex(bytes));
  return bytes;
}
