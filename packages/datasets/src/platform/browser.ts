import { gunzipSync } from 'fflate';
import { SourceError } from '../errors';
import type { LoadOptions } from '../source';
import { sha256Js } from './sha256';
import type { Platform } from './types';

const CACHE_NAME = 'cnn-datasets';
/** Set on responses this module caches: the digest of the body, so a hit need not be hashed again. */
const DIGEST_HEADER = 'x-cnn-sha256';

/**
 * The browser's half: http(s) URLs fetched once into the Cache API (only after their digest matched),
 * SHA-256 by `crypto.subtle` (or {@link sha256Js} outside secure contexts); paths need Node.
 *
 * @example
 * ```ts
 * import { platform } from '#platform';
 * const bytes = await platform.load('data/train.bin', { sha256 });
 * ```
 */
export const platform: Platform = {
  name: 'browser',
  defaultCacheDir: () => CACHE_NAME,

  async load(location, options) {
    let url: URL;
    try {
      // Relative URLs resolve against the page (or the worker's script).
      url = new URL(String(location), globalThis.location?.href);
    } catch (error) {
      throw new SourceError(`'${String(location)}' is not a valid URL`, String(location), { cause: error });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SourceError(
        `cannot load '${url.href}' in a browser: expected an http(s) URL, or pass the bytes or a File`,
        url.href,
      );
    }
    return download(url, options);
  },

  gunzip: (bytes) => gunzipSync(bytes),
  sha256,

  async listDir(path) {
    throw needsNode(path);
  },

  async readFile(path) {
    throw needsNode(path);
  },
};

function needsNode(path: string): SourceError {
  return new SourceError(
    `reading the path '${path}' needs Node; in a browser, pass the bytes, a URL or File objects (from an <input type="file">)`,
    path,
  );
}

/** SHA-256 as lowercase hex: `crypto.subtle` where the context is secure, else in JavaScript. */
async function sha256(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256Js(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A cached response when there is one holding the expected bytes; else a download, checked, then cached.
 * Nothing reaches the cache before its digest matched.
 */
async function download(url: URL, options: LoadOptions): Promise<Uint8Array> {
  const cache = await openCache(options.cacheDir ?? CACHE_NAME);
  const hit = await cache?.match(url.href);
  if (hit) {
    const recorded = hit.headers.get(DIGEST_HEADER);
    if (options.sha256 === undefined || recorded === options.sha256)
      return new Uint8Array(await hit.arrayBuffer());
    if (recorded === null) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if ((await sha256(bytes)) === options.sha256) return bytes;
    }
    // Cached bytes of another digest (the file changed upstream, say): download it again.
  }
  const bytes = await fetchBytes(url, options);
  // Hash only when the digest is checked or recorded: without a cache and an expected digest, no need.
  const actual = options.sha256 !== undefined || cache ? await sha256(bytes) : undefined;
  if (options.sha256 !== undefined && actual !== options.sha256) {
    throw new SourceError(
      `SHA-256 mismatch for ${url.href}: expected ${options.sha256}, got ${actual}; nothing was cached`,
      url.href,
    );
  }
  if (cache && actual !== undefined) {
    const headers = { 'content-type': 'application/octet-stream', [DIGEST_HEADER]: actual };
    try {
      await cache.put(url.href, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    } catch (error) {
      // Out of quota, say: the bytes are good, only the next call downloads them again.
      console.warn(`@cnn/datasets: could not cache ${url.href}: ${(error as Error).message}`);
    }
  }
  return bytes;
}

/** The Cache API cache, or undefined where there is none (non-secure contexts, opaque origins). */
async function openCache(name: string): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(name);
  } catch {
    return undefined;
  }
}

/** The whole body, counting bytes against Content-Length for `onProgress`. */
async function fetchBytes(url: URL, options: LoadOptions): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal });
  } catch (error) {
    throw failure(url, error, options.signal);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SourceError(
      `download of ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim(),
      url.href,
    );
  }
  // Content-Length counts encoded bytes when the server compressed the body; the size is unknown then.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  let total = !encoded && Number.isFinite(length) ? length : 0;
  const began = performance.now();
  const chunks: Uint8Array[] = [];
  let done = 0;
  const report = () => options.onProgress?.({ done, total, elapsed: (performance.now() - began) / 1000 });
  try {
    report();
    const reader = response.body?.getReader();
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      chunks.push(chunk.value);
      done += chunk.value.length;
      if (done > total && total > 0) total = done; // an encoding the headers did not show (cross-origin)
      report();
    }
  } catch (error) {
    throw failure(url, error, options.signal);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(done);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function failure(url: URL, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new SourceError(
    `download of ${url.href} failed: ${(error as Error)?.message ?? String(error)}`,
    url.href,
    {
      cause: error,
    },
  );
}
