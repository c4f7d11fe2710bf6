import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LayerError } from '../errors';
import type { Files } from './platform_types';

/** The file names a model.json lists, when one is there and readable; none otherwise. */
async function listedShards(modelPath: string): Promise<Set<string>> {
  try {
    const json = JSON.parse(await fs.readFile(modelPath, 'utf8')) as {
      weightsManifest?: { paths?: unknown[] }[];
    };
    return new Set(
      (json.weightsManifest ?? [])
        .flatMap((g) => g.paths ?? [])
        .filter((p): p is string => typeof p === 'string'),
    );
  } catch {
    return new Set();
  }
}

/** Writes a file and flushes it to the disk, so that a rename after it never exposes a partial file. */
async function writeDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (the renames); not every platform can, and none needs to for correctness here. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a directory for syncing; the renames are still atomic.
  }
}

/** A plain file name in model.json's directory: the only kind of listed file a save may delete. */
const isOwnShard = (path: string) =>
  basename(path) === path && path.endsWith('.bin') && !path.startsWith('.');

/**
 * Node's file system: `file://path/model.json`, `path/model.json` or a directory (its model.json).
 *
 * @example
 * ```ts
 * import { files } from '#platform';
 * const bytes = await files.read(files.resolve('out/model.json', 'group1-shard1of1.bin'));
 * ```
 */
export const files: Files = {
  modelPath(location) {
    // As tfjs-node: `file://` then the path, relative or absolute (`file:///abs/model.json`).
    const path = location.replace(/^file:\/\//i, '');
    return path.endsWith('.json') ? path : join(path, 'model.json');
  },

  async read(path) {
    try {
      return await fs.readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new LayerError(`cannot read ${path}: ${why}`, { cause: error });
    }
  },

  resolve(modelPath, relative) {
    return join(dirname(modelPath), relative);
  },

  async writeModel(modelPath, shards, json) {
    const dir = dirname(modelPath);
    const stem = basename(modelPath).replace(/\.json$/, '');
    const tag = randomBytes(4).toString('hex');
    const prefix = stem === 'model' ? '' : `${stem}.`;
    const plain = shards.map((_, i) => `${prefix}group1-shard${i + 1}of${shards.length}.bin`);
    const created: string[] = [];
    let old = new Set<string>();
    try {
      await fs.mkdir(dir, { recursive: true });
      old = await listedShards(modelPath);
      // Never overwrite a shard the current model.json lists: until the new model.json replaces it, the old
      // save must stay whole. Names alternate between plain and tagged from one save to the next.
      const names = plain.some((p) => old.has(p))
        ? plain.map((p) => p.replace(/\.bin$/, `.${tag}.bin`))
        : plain;
      for (const [i, name] of names.entries()) {
        const temp = join(dir, `.${name}.${tag}.tmp`);
        created.push(temp);
        await writeDurably(temp, shards[i]!);
        created.push(join(dir, name));
        await fs.rename(temp, join(dir, name));
      }
      const temp = join(dir, `.${basename(modelPath)}.${tag}.tmp`);
      created.push(temp);
      await writeDurably(temp, json(names));
      await fs.rename(temp, modelPath); // the commit: before it the old save stands, after it the new one
      created.length = 0;
      await syncDirectory(dir);
      const stale = [...old].filter((p) => isOwnShard(p) && !names.includes(p));
      await Promise.all(stale.map((p) => fs.rm(join(dir, p), { force: true }).catch(() => {})));
    } catch (error) {
      // Remove what this save wrote; the previous save's files were not touched.
      await Promise.all(created.map((p) => fs.rm(p, { force: true }).catch(() => {})));
      throw new LayerError(
        `could not save ${modelPath}: ${(error as Error).message}; any previous save there is intact`,
        { cause: error },
      );
    }
  },
};
