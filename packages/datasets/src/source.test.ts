import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceError } from './errors';
import { loadBytes } from './source';

const SIZE = 300_000;
const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the test server does next: cut after some bytes, ignore Range, stall, or fail with a status. */
interface Behaviour {
  cutAfter?: number;
  ignoreRange?: boolean;
  stall?: boolean;
  status?: number;
}

/** An HTTP server for `files`, honouring `Range: bytes=N-` and recording every request. */
async function serve(files: Record<string, Uint8Array>) {
  const requests: { path: string; range: string | undefined; status: number }[] = [];
  const behaviour: Behaviour = {};
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const record = (status: number) => requests.push({ path, range: req.headers.range, status });
    if (path.startsWith('/moved/')) {
      record(302);
      res.writeHead(302, { location: `/${path.slice('/moved/'.length)}` }).end();
      return;
    }
    const body = files[path.slice(1)];
    if (behaviour.status !== undefined || !body) {
      record(behaviour.status ?? 404);
      res.writeHead(behaviour.status ?? 404).end('no');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range && !behaviour.ignoreRange ? Number(range[1]) : 0;
    if (start >= body.length && start > 0) {
      record(416);
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const status = start > 0 ? 206 : 200;
    record(status);
    res.writeHead(status, {
      'content-length': body.length - start,
      ...(status === 206 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const rest = body.subarray(start);
    if (behaviour.cutAfter !== undefined || behaviour.stall) {
      // Send part of the body, then drop the connection (or keep it open, sending nothing more).
      const sent = rest.subarray(0, behaviour.cutAfter ?? rest.length >> 1);
      res.write(sent, () => behaviour.stall || setTimeout(() => res.socket?.destroy(), 30));
    } else res.end(rest);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (name: string) => `${base}/${name}`,
    requests,
    behaviour,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

let dir: string;
let server: Awaited<ReturnType<typeof serve>>;
const data = new Uint8Array(randomBytes(SIZE));
const other = new Uint8Array(randomBytes(SIZE));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnn-source-'));
  server = await serve({ 'data.bin': data });
});

afterEach(async () => {
  server.behaviour.stall = false;
  server.requests.length = 0;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const listing = async () => (await readdir(dir)).sort();
const bitExact = (actual: Uint8Array, expected: Uint8Array) => {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(Buffer.from(actual), Buffer.from(expected))).toBe(0);
};

describe('loadBytes from http', () => {
  it('downloads, checks the digest and caches: the second call makes no request', async () => {
    const url = server.url('data.bin');
    bitExact(await loadBytes(url, { sha256: hex(data), cacheDir: dir }), data);
    expect(server.requests).toHaveLength(1);
    bitExact(new Uint8Array(await readFile(join(dir, 'data.bin'))), data);
    expect(await listing()).toEqual(['data.bin', 'data.bin.sha256']);
    bitExact(await loadBytes(url, { sha256: hex(data).toUpperCase(), cacheDir: dir }), data);
    bitExact(await loadBytes(new URL(url), { cacheDir: dir }), data);
    expect(server.requests).toHaveLength(1);
  });

  it('follows redirects and names the cached file after the URL asked for, or fileName', async () => {
    bitExact(await loadBytes(server.url('moved/data.bin'), { cacheDir: dir }), data);
    bitExact(await loadBytes(server.url('data.bin'), { cacheDir: dir, fileName: 'copy.bin' }), data);
    expect(server.requests.map((r) => r.status)).toEqual([302, 200, 200]);
    expect(await listing()).toEqual(['copy.bin', 'copy.bin.sha256', 'data.bin', 'data.bin.sha256']);
  });

  it('a wrong sha256 throws, keeps nothing, and trusts nothing next time', async () => {
    const url = server.url('data.bin');
    const wrong = hex(other);
    const error = await loadBytes(url, { sha256: wrong, cacheDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toContain(url);
    expect((error as SourceError).message).toContain(`expected ${wrong}, got ${hex(data)}`);
    expect(await listing()).toEqual([]);
    await expect(loadBytes(url, { sha256: wrong, cacheDir: dir })).rejects.toThrow(SourceError);
    expect(server.requests).toHaveLength(2);
    bitExact(await loadBytes(url, { sha256: hex(data), cacheDir: dir }), data);
    expect(server.requests).toHaveLength(3);
  });

  it('a cached file changed on disk is hashed again and replaced', async () => {
    const url = server.url('data.bin');
    await loadBytes(url, { cacheDir: dir });
    const corrupt = data.slice();
    corrupt[1234] = corrupt[1234]! ^ 1;
    await writeFile(join(dir, 'data.bin'), corrupt);
    // Without a digest the cache is trusted; with one, the change is found and the file fetched again.
    bitExact(await loadBytes(url, { cacheDir: dir }), corrupt);
    bitExact(await loadBytes(url, { sha256: hex(data), cacheDir: dir }), data);
    bitExact(new Uint8Array(await readFile(join(dir, 'data.bin'))), data);
    expect(server.requests).toHaveLength(2);
  });

  it('an interrupted download keeps a .part that the next call resumes with a Range request', async () => {
    const url = server.url('data.bin');
    server.behaviour.cutAfter = 100_000;
    const error = await loadBytes(url, { sha256: hex(data), cacheDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(await listing()).toEqual(['data.bin.part']);
    const kept = (await stat(join(dir, 'data.bin.part'))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);

    server.behaviour.cutAfter = undefined;
    const events: { done: number; total: number }[] = [];
    const bytes = await loadBytes(url, {
      sha256: hex(data),
      cacheDir: dir,
      onProgress: (e) => events.push(e),
    });
    bitExact(bytes, data);
    expect(server.requests[1]).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(events[0]).toEqual({ done: kept, total: SIZE, elapsed: expect.any(Number) });
    expect(events.at(-1)).toMatchObject({ done: SIZE, total: SIZE });
    expect(await listing()).toEqual(['data.bin', 'data.bin.sha256']);
  });

  it('restarts from zero when the server ignores Range, or the part is of another file', async () => {
    const url = server.url('data.bin');
    await writeFile(join(dir, 'data.bin.part'), other.subarray(0, 50_000));
    server.behaviour.ignoreRange = true;
    bitExact(await loadBytes(url, { sha256: hex(data), cacheDir: dir }), data);
    expect(server.requests).toEqual([{ path: '/data.bin', range: 'bytes=50000-', status: 200 }]);

    // Resumed onto a foreign start, the digest fails: one more try from scratch.
    await rm(join(dir, 'data.bin'));
    await writeFile(join(dir, 'data.bin.part'), other.subarray(0, 50_000));
    server.behaviour.ignoreRange = false;
    bitExact(await loadBytes(url, { sha256: hex(data), cacheDir: dir }), data);
    expect(server.requests.slice(1).map((r) => [r.range, r.status])).toEqual([
      ['bytes=50000-', 206],
      [undefined, 200],
    ]);
  });

  it('a 416 finishes a complete part and restarts an overlong one', async () => {
    const url = server.url('data.bin');
    await writeFile(join(dir, 'data.bin.part'), data);
    bitExact(await loadBytes(url, { cacheDir: dir }), data);
    await rm(join(dir, 'data.bin'));
    await writeFile(join(dir, 'data.bin.part'), new Uint8Array(SIZE + 10));
    bitExact(await loadBytes(url, { cacheDir: dir }), data);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [`bytes=${SIZE}-`, 416],
      [`bytes=${SIZE + 10}-`, 416],
      [undefined, 200],
    ]);
  });

  it.each([404, 500])('HTTP %i throws a SourceError with the status and caches nothing', async (status) => {
    server.behaviour.status = status;
    await expect(loadBytes(server.url('data.bin'), { cacheDir: dir })).rejects.toThrow(
      new RegExp(`HTTP ${status}`),
    );
    expect(await listing()).toEqual([]);
  });

  it('a network error throws a SourceError with the cause', async () => {
    const url = server.url('data.bin');
    await server.close();
    const error = await loadBytes(url, { cacheDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).source).toBe(url);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('aborting leaves the part for later', async () => {
    server.behaviour.stall = true;
    const controller = new AbortController();
    const loading = loadBytes(server.url('data.bin'), {
      cacheDir: dir,
      signal: controller.signal,
      onProgress: (e) => e.done > 0 && controller.abort(new Error('stop')),
    });
    await expect(loading).rejects.toThrow('stop');
    expect(await listing()).toEqual(['data.bin.part']);
  });

  it('reports increasing progress up to the total, and draws a bar when asked', async () => {
    const events: { done: number; total: number; elapsed: number }[] = [];
    const written: string[] = [];
    const spy = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((text) => written.push(String(text)) > 0);
    try {
      await loadBytes(server.url('data.bin'), {
        cacheDir: dir,
        progress: true,
        onProgress: (e) => events.push(e),
      });
    } finally {
      spy.mockRestore();
    }
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.total === SIZE)).toBe(true);
    expect(events.every((e, i) => i === 0 || (e.done > events[i - 1]!.done && e.elapsed >= 0))).toBe(true);
    expect(events.at(-1)!.done).toBe(SIZE);
    expect(written.join('')).toContain(`data.bin 0.3 MB`);
    expect(written.join('')).toContain(`${SIZE}/${SIZE}`);
  });

  it('concurrent calls download once; a lock left by a dead process is taken over', async () => {
    const url = server.url('data.bin');
    const [a, b] = await Promise.all([loadBytes(url, { cacheDir: dir }), loadBytes(url, { cacheDir: dir })]);
    bitExact(a, data);
    bitExact(b, data);
    expect(server.requests).toHaveLength(1);

    const { hostname } = await import('node:os');
    const { spawnSync } = await import('node:child_process');
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout;
    await writeFile(join(dir, 'x.bin.lock'), `${deadPid} ${hostname()} 0`);
    bitExact(await loadBytes(url, { cacheDir: dir, fileName: 'x.bin' }), data);
    expect(await exists(join(dir, 'x.bin.lock'))).toBe(false);

    // A live holder is waited for: here, until the abort.
    await writeFile(join(dir, 'y.bin.lock'), `${process.pid} ${hostname()} 0`);
    const waiting = loadBytes(url, { cacheDir: dir, fileName: 'y.bin', signal: AbortSignal.timeout(300) });
    await expect(waiting).rejects.toThrow(/abort|timeout/i);
    expect(server.requests).toHaveLength(2);
  });

  it('caches under defaultCacheDir() when no cacheDir is given', async () => {
    const saved = process.env.CNN_DATA_DIR;
    process.env.CNN_DATA_DIR = dir;
    try {
      bitExact(await loadBytes(server.url('data.bin')), data);
    } finally {
      if (saved === undefined) delete process.env.CNN_DATA_DIR;
      else process.env.CNN_DATA_DIR = saved;
    }
    expect(await exists(join(dir, 'data.bin'))).toBe(true);
  });

  it('needs a file name for the cache', async () => {
    await expect(loadBytes(server.url(''), { cacheDir: dir })).rejects.toThrow(/pass \{ fileName \}/);
    await expect(loadBytes(server.url('data.bin'), { cacheDir: dir, fileName: '../x' })).rejects.toThrow(
      SourceError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('loadBytes from paths and bytes', () => {
  it('reads paths and file: URLs, checking the digest when given', async () => {
    const path = join(dir, 'local.bin');
    await writeFile(path, data);
    bitExact(await loadBytes(path), data);
    bitExact(await loadBytes(pathToFileURL(path), { sha256: hex(data) }), data);
    bitExact(await loadBytes(pathToFileURL(path).href, { sha256: hex(data) }), data);
    await expect(loadBytes(path, { sha256: hex(other) })).rejects.toThrow(
      `expected ${hex(other)}, got ${hex(data)}`,
    );
    await expect(loadBytes(join(dir, 'missing.bin'))).rejects.toThrow(/ENOENT/);
  });

  it('takes Uint8Array, ArrayBuffer, Blob and File, checking the digest when given', async () => {
    const sha256 = hex(data);
    expect(await loadBytes(data, { sha256 })).toBe(data);
    bitExact(await loadBytes(data.slice().buffer, { sha256 }), data);
    bitExact(await loadBytes(new Blob([data]), { sha256 }), data);
    bitExact(await loadBytes(new File([data], 'd.bin'), { sha256 }), data);
    await expect(loadBytes(new File([data], 'd.bin'), { sha256: hex(other) })).rejects.toThrow(/d\.bin/);
    await expect(loadBytes(data, { sha256: 'abc' })).rejects.toThrow(/64 hex digits/);
    await expect(loadBytes(42 as never)).rejects.toThrow(/expected a path, URL.*got number/);
  });
});
