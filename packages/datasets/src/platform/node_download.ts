import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ProgressBar } from '@cnn/core';
import { SourceError } from '../errors';
import type { LoadOptions } from '../source';
import { readBytes, reason, sha256Hex } from './node_fs';
import { lockFile } from './node_lock';

// The cache directory holds, per download: `<name>` (complete, renamed into place only after its digest was
// taken), `<name>.sha256` (that digest with the file's size and mtime, so a later call skips re-hashing
// while the file is unchanged), `<name>.part` (an unfinished download, resumed with a Range request) and
// `<name>.lock` (held while downloading, so processes sharing a cache never write one `.part` together).

/**
 * The bytes at an http(s) URL, from the cache under `cacheDir` or downloaded into it (resuming a `.part`
 * left by an interrupted run). With `options.sha256`, only bytes of that digest are returned or cached.
 *
 * @example
 * ```ts
 * const bytes = await download(new URL('https://example.org/a.bin'), '/tmp/cache', { sha256 });
 * ```
 */
export async function download(url: URL, cacheDir: string, options: LoadOptions): Promise<Uint8Array> {
  const name = cacheName(url, options.fileName);
  const dir = resolve(cacheDir);
  const final = join(dir, name);
  const cached = await fromCache(final, options.sha256);
  if (cached) return cached;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new SourceError(`cannot create the cache directory '${dir}': ${reason(error)}`, url.href, {
      cause: error,
    });
  }
  const release = await lockFile(`${final}.lock`, options.signal);
  try {
    // Another process may have finished it while this one waited for the lock.
    return (await fromCache(final, options.sha256)) ?? (await fetchToCache(url, final, name, options));
  } finally {
    await release();
  }
}

/** The cached bytes, or undefined when there are none or they are not the ones expected. */
async function fromCache(final: string, sha256: string | undefined): Promise<Uint8Array | undefined> {
  const info = await stat(final).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const known = await readSidecar(final, info);
  if (sha256 !== undefined && known !== undefined && known !== sha256) return undefined;
  const bytes = await readBytes(final);
  if (sha256 === undefined || known === sha256) return bytes;
  const actual = sha256Hex(bytes);
  await writeSidecar(final, actual, info);
  return actual === sha256 ? bytes : undefined;
}

async function fetchToCache(
  url: URL,
  final: string,
  name: string,
  options: LoadOptions,
): Promise<Uint8Array> {
  const part = `${final}.part`;
  for (let fresh = false; ; fresh = true) {
    if (fresh) await rm(part, { force: true });
    const offset = fresh ? 0 : ((await stat(part).catch(() => undefined))?.size ?? 0);
    const fetched = await fetchPart(url, part, offset, name, options);
    if (fetched === 'restart') continue;
    const bytes = await readBytes(part);
    const actual = sha256Hex(bytes);
    if (options.sha256 !== undefined && actual !== options.sha256) {
      await rm(part, { force: true });
      // A resumed part may be the start of another version of the file: try once from scratch.
      if (fetched.resumed && !fresh) continue;
      throw new SourceError(
        `SHA-256 mismatch for ${url.href}: expected ${options.sha256}, got ${actual}; the download was deleted`,
        url.href,
      );
    }
    await rename(part, final);
    await writeSidecar(final, actual, await stat(final));
    return bytes;
  }
}

/**
 * Downloads into `part` from `offset` (a Range request when > 0). Resolves to 'restart' when the part
 * cannot be continued and must be fetched again from zero.
 */
async function fetchPart(
  url: URL,
  part: string,
  offset: number,
  name: string,
  options: LoadOptions,
): Promise<'restart' | { resumed: boolean }> {
  let response: Response;
  try {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    response = await (options.fetch ?? fetch)(url, { headers, signal: options.signal });
  } catch (error) {
    throw failure(url, `the request failed: ${reason(error)}`, error, options.signal);
  }
  const range = parseContentRange(response.headers.get('content-range'));
  if (offset > 0 && response.status === 416) {
    // The part is as long as the file or longer: complete if the sizes agree (the digest decides next).
    await response.body?.cancel();
    const complete = range?.total !== undefined ? range.total === offset : options.sha256 !== undefined;
    return complete ? { resumed: true } : 'restart';
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SourceError(
      `download of ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim(),
      url.href,
    );
  }
  // A 200 to a Range request means the server ignores ranges: start over with what it sends.
  const start = response.status === 206 ? offset : 0;
  if (response.status === 206 && range?.start !== offset) {
    await response.body?.cancel();
    if (offset > 0) return 'restart';
    const got = response.headers.get('content-range');
    throw new SourceError(
      `download of ${url.href} failed: a partial response (${got}) to a plain request`,
      url.href,
    );
  }
  const header = response.headers.get('content-length');
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const length = header !== null && !encoded ? Number(header) : undefined;
  const end = range?.total ?? (length !== undefined ? start + length : undefined);
  await writeBody(url, response, part, start, end, name, options);
  return { resumed: start > 0 };
}

async function writeBody(
  url: URL,
  response: Response,
  part: string,
  start: number,
  end: number | undefined,
  name: string,
  options: LoadOptions,
): Promise<void> {
  const total = end ?? 0;
  const showBar = options.progress ?? process.stderr.isTTY === true;
  const label = total > 0 ? `${name} ${(total / 1e6).toFixed(1)} MB` : name;
  const bar = showBar ? new ProgressBar({ total, label, unit: 'B' }) : undefined;
  const began = performance.now();
  let done = start;
  const report = () => {
    options.onProgress?.({ done, total, elapsed: (performance.now() - began) / 1000 });
    bar?.update(done);
  };
  const file = await open(part, start > 0 ? 'a' : 'w').catch((error: unknown) => {
    throw new SourceError(`cannot write '${part}': ${reason(error)}`, url.href, { cause: error });
  });
  try {
    report();
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = await reader?.read().catch((error: unknown) => {
        throw failure(
          url,
          `the connection failed after ${done} bytes: ${reason(error)}`,
          error,
          options.signal,
        );
      });
      if (!chunk || chunk.done) break;
      await file.write(chunk.value).catch((error: unknown) => {
        throw new SourceError(`cannot write '${part}': ${reason(error)}`, url.href, { cause: error });
      });
      done += chunk.value.length;
      report();
    }
  } finally {
    await file.close();
    bar?.finish();
  }
  if (end !== undefined && done !== end) {
    throw failure(url, `the connection closed after ${done} of ${end} bytes`);
  }
}

/** The abort reason when the signal fired, else a SourceError saying the part is kept for resuming. */
function failure(url: URL, message: string, cause?: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  return new SourceError(
    `download of ${url.href} failed: ${message} (what arrived is kept and the next call resumes it)`,
    url.href,
    { cause },
  );
}

/** `bytes <start>-<end>/<total>` (or `bytes *` + `/<total>` on a 416). */
function parseContentRange(header: string | null): { start?: number; total?: number } | undefined {
  const match = header?.match(/^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i);
  if (!match) return undefined;
  return {
    start: match[1] === undefined ? undefined : Number(match[1]),
    total: match[2] === '*' ? undefined : Number(match[2]),
  };
}

function cacheName(url: URL, fileName: string | undefined): string {
  let name = fileName ?? url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  if (fileName === undefined) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Keep a malformed escape as it is.
    }
  }
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    const why =
      fileName === undefined ? 'its path ends without a file name' : `'${fileName}' is not a file name`;
    throw new SourceError(`cannot name the cached copy of ${url.href}: ${why}; pass { fileName }`, url.href);
  }
  return name;
}

/** The digest recorded for `final`, if the file still has the size and mtime it had then. */
async function readSidecar(final: string, info: Stats): Promise<string | undefined> {
  try {
    const record = JSON.parse(await readFile(`${final}.sha256`, 'utf8'));
    return record.size === info.size && record.mtimeMs === info.mtimeMs ? String(record.sha256) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: without the record (a read-only cache, say) the next call hashes the file again. */
async function writeSidecar(final: string, sha256: string, info: Stats): Promise<void> {
  const temp = `${final}.sha256.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, JSON.stringify({ sha256, size: info.size, mtimeMs: info.mtimeMs }));
    await rename(temp, `${final}.sha256`);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}
