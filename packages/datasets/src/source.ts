import type { ProgressCallback } from '@cnn/core';
import { platform } from '#platform';
import { SourceError } from './errors';

/**
 * Where bytes come from: a path (Node) or an http(s) URL as a string or `URL` (a relative URL resolves
 * against the page in a browser; `file:` URLs work in Node), or the bytes themselves as a `Uint8Array`,
 * `ArrayBuffer` or `Blob`/`File` (what a file input gives in a browser).
 */
export type Source = string | URL | Uint8Array | ArrayBuffer | Blob;

/** How {@link loadBytes} fetches, caches and checks. */
export interface LoadOptions {
  /**
   * The SHA-256 the bytes must have, as 64 hex digits. Always checked for downloads before anything is
   * cached; checked for local files and bytes too when given. A mismatch throws a {@link SourceError}.
   */
  sha256?: string;
  /** Where downloads are kept: a directory in Node, a Cache API cache name in a browser. Default: {@link defaultCacheDir}. */
  cacheDir?: string;
  /** The file's name in the cache (Node). Default: the last segment of the URL's path. */
  fileName?: string;
  /** Called as bytes arrive: `done` and `total` count bytes (`total` is 0 when the server sends no length). */
  onProgress?: ProgressCallback;
  /** Node: draw a progress bar on stderr while downloading. Default: when stderr is a terminal. */
  progress?: boolean;
  /** Aborts a download; its partial file stays, and the next call resumes it. */
  signal?: AbortSignal;
  /** The `fetch` to download with. Default: the global one. */
  fetch?: typeof fetch;
}

/**
 * The bytes of a source. URLs are downloaded once and cached: in Node under `cacheDir`, resuming an
 * interrupted download where it stopped; in a browser in the Cache API. With `sha256`, a download is
 * checked before it is cached, and bytes that do not match are never returned or kept.
 *
 * @example
 * ```ts
 * const gz = await loadBytes('https://example.org/data/train-images.gz', {
 *   sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
 * });
 * const local = await loadBytes('./data/labels.bin');          // Node: a path
 * const picked = await loadBytes(input.files![0]!);             // browser: a File
 * ```
 */
export async function loadBytes(source: Source, options: LoadOptions = {}): Promise<Uint8Array> {
  const name = describe(source);
  options.signal?.throwIfAborted();
  const sha256 = expectedDigest(options.sha256, name);
  const resolved = sha256 === undefined ? options : { ...options, sha256 };
  if (typeof source === 'string' || source instanceof URL) return platform.load(source, resolved);
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    bytes = new Uint8Array(await source.arrayBuffer());
  } else {
    throw new SourceError(
      `loadBytes: expected a path, URL, Uint8Array, ArrayBuffer or Blob, got ${name}`,
      String(source),
    );
  }
  if (sha256 !== undefined) {
    const actual = await platform.sha256(bytes);
    if (actual !== sha256) {
      throw new SourceError(`SHA-256 mismatch for ${name}: expected ${sha256}, got ${actual}`, name);
    }
  }
  return bytes;
}

/**
 * Where downloads are kept by default. Node: `$CNN_DATA_DIR`, else `$XDG_CACHE_HOME/cnn-datasets`, else
 * `~/.cache/cnn-datasets` (Windows: `%LOCALAPPDATA%\cnn-datasets`). Browser: the Cache API cache
 * `'cnn-datasets'`.
 *
 * @example
 * ```ts
 * console.log(`data sets are cached in ${defaultCacheDir()}`);
 * ```
 */
export function defaultCacheDir(): string {
  return platform.defaultCacheDir();
}

/** The expected digest in lowercase, or a SourceError when it is not 64 hex digits. */
function expectedDigest(sha256: string | undefined, name: string): string | undefined {
  if (sha256 === undefined) return undefined;
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new SourceError(`sha256 must be 64 hex digits, got ${JSON.stringify(sha256)} (for ${name})`, name);
  }
  return sha256.toLowerCase();
}

/** A short name of the source for messages. */
function describe(source: unknown): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (source instanceof Uint8Array) return `${source.length} bytes`;
  if (source instanceof ArrayBuffer) return `an ArrayBuffer of ${source.byteLength} bytes`;
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const fileName = (source as Blob & { name?: unknown }).name;
    return typeof fileName === 'string' && fileName ? fileName : `a Blob of ${source.size} bytes`;
  }
  if (source === null) return 'null';
  return typeof source === 'object' ? (source.constructor?.name ?? 'an object') : typeof source;
}
