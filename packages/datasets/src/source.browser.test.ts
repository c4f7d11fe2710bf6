import { Rng } from '@cnn/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { platform } from '#platform';
import { SourceError } from './errors';
import { sha256Js } from './platform/sha256';
import { defaultCacheDir, loadBytes } from './source';

/** Served by Vite's dev server; made once by `new Rng(20250101)`, a byte per draw (its top 8 bits). */
const fixture = new URL('../test/fixtures/random-6000.bin', import.meta.url).href;

function fixtureBytes(): Uint8Array {
  const rng = new Rng(20250101);
  return Uint8Array.from({ length: 6000 }, () => rng.uint32() >>> 24);
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

const offline: typeof fetch = async () => {
  throw new Error('the network was used');
};

beforeEach(async () => {
  await caches.delete('cnn-datasets');
});

describe('loadBytes in a browser', () => {
  it('downloads, checks and caches; the second call is served from the Cache API', async () => {
    const expected = fixtureBytes();
    const sha256 = await digest(expected);
    const events: { done: number; total: number }[] = [];
    expect(await loadBytes(fixture, { sha256, onProgress: (e) => events.push(e) })).toEqual(expected);
    expect(events.at(-1)).toMatchObject({ done: 6000, total: 6000 });
    expect(events.every((e, i) => i === 0 || e.done > events[i - 1]!.done)).toBe(true);

    const hit = await (await caches.open('cnn-datasets')).match(fixture);
    expect(hit?.headers.get('x-cnn-sha256')).toBe(sha256);
    expect(new Uint8Array(await hit!.arrayBuffer())).toEqual(expected);
    expect(await loadBytes(fixture, { sha256, fetch: offline })).toEqual(expected);
    expect(await loadBytes(fixture, { fetch: offline })).toEqual(expected);
  });

  it('a wrong sha256 throws a SourceError and caches nothing', async () => {
    const wrong = await digest(new Uint8Array(6000));
    const error = await loadBytes(fixture, { sha256: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toContain(`expected ${wrong}, got ${await digest(fixtureBytes())}`);
    expect(await (await caches.open('cnn-datasets')).match(fixture)).toBeUndefined();
  });

  it('downloads again when the cached bytes are not the ones expected', async () => {
    const expected = fixtureBytes();
    const sha256 = await digest(expected);
    const cache = await caches.open('cnn-datasets');
    // Put there by hand, without the digest header: hashed, found wrong, replaced.
    await cache.put(fixture, new Response(new Uint8Array(10)));
    expect(await loadBytes(fixture, { fetch: offline })).toEqual(new Uint8Array(10));
    expect(await loadBytes(fixture, { sha256 })).toEqual(expected);
    expect((await cache.match(fixture))?.headers.get('x-cnn-sha256')).toBe(sha256);
  });

  it('resolves relative URLs against the page and honours cacheDir as the cache name', async () => {
    const relative = new URL(fixture).pathname;
    expect(relative.startsWith('/')).toBe(true);
    expect(await loadBytes(relative, { cacheDir: 'cnn-test-cache' })).toEqual(fixtureBytes());
    expect(await (await caches.open('cnn-test-cache')).match(fixture)).toBeDefined();
    expect(await (await caches.open('cnn-datasets')).match(fixture)).toBeUndefined();
    await caches.delete('cnn-test-cache');
    expect(defaultCacheDir()).toBe('cnn-datasets');
  });

  it('HTTP errors and other schemes throw SourceErrors', async () => {
    const missing = new URL('../test/fixtures/no-such-file.bin', import.meta.url).href;
    await expect(loadBytes(missing)).rejects.toThrow(/HTTP 404/);
    await expect(loadBytes('ftp://example.org/x.bin')).rejects.toThrow(/expected an http\(s\) URL/);
  });

  it('takes bytes, Blobs and Files; paths need Node', async () => {
    const expected = fixtureBytes();
    const sha256 = await digest(expected);
    expect(await loadBytes(new File([expected as Uint8Array<ArrayBuffer>], 'f.bin'), { sha256 })).toEqual(
      expected,
    );
    expect(await loadBytes(expected.slice().buffer, { sha256 })).toEqual(expected);
    await expect(loadBytes(new Blob([new Uint8Array(3)]), { sha256 })).rejects.toThrow(SourceError);
    await expect(platform.listDir('images')).rejects.toThrow(/needs Node/);
    await expect(platform.readFile('images/a.png')).rejects.toThrow(SourceError);
  });

  it('the JavaScript SHA-256 agrees with crypto.subtle', async () => {
    const bytes = fixtureBytes();
    for (const n of [0, 3, 55, 56, 64, 100, 6000]) {
      expect(sha256Js(bytes.subarray(0, n))).toBe(await digest(bytes.subarray(0, n)));
    }
  });
});
