import type { LoadOptions } from '../source';

/**
 * One entry of a directory, as {@link Platform.listDir} lists it.
 *
 * @example
 * ```ts
 * const classes = (await platform.listDir(root)).filter((e) => e.directory).map((e) => e.name);
 * ```
 */
export interface DirEntry {
  readonly name: string;
  /** True for a directory, or a symbolic link to one. */
  readonly directory: boolean;
}

/**
 * What differs between Node and the browser. `#platform` (package.json `imports`) resolves to `node.ts` or
 * `browser.ts` by the `browser` export condition, so each build carries only its own half: files and a disk
 * cache in Node, fetch and the Cache API in a browser.
 *
 * @example
 * ```ts
 * import { platform } from '#platform';
 * const bytes = await platform.readFile('images/cat/1.png'); // Node; a SourceError in a browser
 * ```
 */
export interface Platform {
  readonly name: 'node' | 'browser';
  /** Where downloads are kept: a directory in Node, a Cache API cache name in a browser. */
  defaultCacheDir(): string;
  /**
   * The bytes behind a location that is not bytes already: an http(s) URL (downloaded once, then cached),
   * or in Node a `file:` URL or a path. `options.sha256` is lowercase hex when given.
   */
  load(location: string | URL, options: LoadOptions): Promise<Uint8Array>;
  /** Inflates gzip bytes: Node's native zlib (about 4× fflate), fflate in a browser. Throws on corrupt input. */
  gunzip(bytes: Uint8Array): Uint8Array;
  /** SHA-256 of the bytes, as lowercase hex. */
  sha256(bytes: Uint8Array): Promise<string>;
  /** The entries of a directory, sorted by name (Node only). */
  listDir(path: string): Promise<DirEntry[]>;
  /** The whole file (Node only). */
  readFile(path: string): Promise<Uint8Array>;
}
