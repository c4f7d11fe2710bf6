import { promises as fsp } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LayerError } from '../errors';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Flatten } from '../layers/reshape';
import { Sequential } from '../model';
import { inputsFor, randomized, weightBits } from './fixtures';
import { load, save } from './io';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'cnn-layers-io-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A small CNN (539 weights, 2,156 bytes) with seeded random weights. */
const net = (seed: number) =>
  randomized(
    new Sequential([new Conv2D({ filters: 8, kernelSize: 3 }), new Flatten(), new Dense({ units: 3 })], {
      inputShape: [6, 6, 2],
    }),
    seed,
  );

const listing = async (path: string) => (await fsp.readdir(path)).sort();

describe('save and load with files', () => {
  it('writes model.json and a shard into a directory and loads them back bit for bit', async () => {
    const model = net(1);
    const path = join(dir, 'plain');
    const result = await save(model, path);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4);
    expect(await listing(path)).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(await fsp.readFile(join(path, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(
      model.weights.map((w) => w.name),
    );
    const twin = await load(join(path, 'model.json'));
    expect(weightBits(twin)).toEqual(weightBits(model));
    const [x] = inputsFor(model, 2, 1);
    const [p, q] = [model.predict(x!), twin.predict(x!)];
    expect(q.dataSync()).toEqual(p.dataSync());
    tf.dispose([x!, p, q]);
    model.dispose();
    twin.dispose();
  });

  it('takes file:// URLs and splits the weights into shards of at most shardBytes', async () => {
    const model = net(2);
    const path = join(dir, 'sharded', 'net.json');
    await save(model, `file://${path}`, { shardBytes: 1000 });
    const files = await listing(join(dir, 'sharded'));
    expect(files).toEqual([
      'net.group1-shard1of3.bin',
      'net.group1-shard2of3.bin',
      'net.group1-shard3of3.bin',
      'net.json',
    ]);
    const sizes = await Promise.all(
      files.slice(0, 3).map(async (f) => (await fsp.stat(join(dir, 'sharded', f))).size),
    );
    expect(sizes).toEqual([1000, 1000, model.countParams() * 4 - 2000]);
    const twin = await load(`file://${path}`);
    expect(weightBits(twin)).toEqual(weightBits(model));
    model.dispose();
    twin.dispose();
  });

  it('replaces a save atomically: new shard names, the old ones removed after model.json moved', async () => {
    const path = join(dir, 'again');
    const [first, second, third] = [net(3), net(4), net(5)];
    await save(first, path);
    await save(second, path);
    const files = await listing(path);
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^group1-shard1of1\.[0-9a-f]{8}\.bin$/);
    expect(weightBits(await load(path))).toEqual(weightBits(second));
    await save(third, path);
    expect(await listing(path)).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(weightBits(await load(path))).toEqual(weightBits(third));
    for (const m of [first, second, third]) m.dispose();
  });

  for (const failing of ['a shard', 'model.json'] as const) {
    it(`leaves the previous save loadable when writing ${failing} fails mid-save`, async () => {
      const path = join(dir, `crash-${failing === 'a shard' ? 'shard' : 'json'}`);
      const [old, next] = [net(6), net(7)];
      await save(old, path, { shardBytes: 1000 });
      const before = await listing(path);
      const rename = fsp.rename;
      let calls = 0;
      vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
        calls++;
        // The second shard, or the commit of model.json (after 3 shards).
        if (failing === 'a shard' ? calls === 2 : String(to).endsWith('model.json'))
          throw new Error('disk full');
        return rename(from, to);
      });
      await expect(save(next, path, { shardBytes: 1000 })).rejects.toThrow(
        /could not save .*disk full; any previous save there is intact/,
      );
      vi.restoreAllMocks();
      expect(await listing(path)).toEqual(before); // nothing of the failed save is left
      const loaded = await load(path);
      expect(weightBits(loaded)).toEqual(weightBits(old));
      for (const m of [old, next, loaded]) m.dispose();
    });
  }

  it('gives a LayerError for broken model.json, shards cut short or of random bytes, missing files', async () => {
    const path = join(dir, 'broken');
    const model = net(8);
    await save(model, path);
    const jsonPath = join(path, 'model.json');
    const shard = join(path, 'group1-shard1of1.bin');
    const [json, bytes] = [await fsp.readFile(jsonPath, 'utf8'), await fsp.readFile(shard)];
    const rng = new Rng(8);
    const random = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
    const cases: [string, () => Promise<void>, RegExp][] = [
      [
        'truncated JSON',
        () => fsp.writeFile(jsonPath, json.slice(0, json.length / 2)),
        /model.json is not JSON/,
      ],
      ['random bytes as JSON', () => fsp.writeFile(jsonPath, random(300)), /model.json is not JSON/],
      ['JSON of another shape', () => fsp.writeFile(jsonPath, '{"weights": []}'), /has no modelTopology/],
      [
        'an unknown layer class',
        () => fsp.writeFile(jsonPath, json.replaceAll('"Dense"', '"Dense3D"')),
        /no layer of class Dense3D here/,
      ],
      [
        'a truncated shard',
        () => fsp.writeFile(shard, bytes.subarray(0, 1001)),
        /group1-shard1of1.bin ends after 1001 bytes: weight .* needs bytes/,
      ],
      [
        'a shard of random bytes, too long',
        () => fsp.writeFile(shard, random(bytes.length + 7)),
        new RegExp(`holds ${bytes.length + 7} bytes but its 4 weights take ${bytes.length}`),
      ],
      ['a missing shard', () => fsp.rm(shard), /cannot read .*group1-shard1of1.bin: no such file/],
      ['no model.json', () => fsp.rm(jsonPath), /cannot read .*model.json: no such file/],
    ];
    for (const [, breakIt, message] of cases) {
      await fsp.writeFile(jsonPath, json);
      await fsp.writeFile(shard, bytes);
      await breakIt();
      const error = await load(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LayerError);
      expect((error as Error).message).toMatch(message);
    }
    // Random bytes of the right length are well-formed float32s: the format has no checksum to tell.
    await fsp.writeFile(jsonPath, json);
    await fsp.writeFile(shard, random(bytes.length));
    (await load(path)).dispose();
    model.dispose();
  });
});

describe('save and load over HTTP', () => {
  let server: Server;
  let base: string;
  const posted: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    // Serves the files of `dir`, and takes tfjs' multipart POST of model.json and model.weights.bin.
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      if (request.method === 'POST') {
        const form = await new Request('http://local/', {
          method: 'POST',
          headers: { 'content-type': request.headers['content-type']! },
          body: Buffer.concat(chunks),
        }).formData();
        for (const [name, value] of form) posted[name] = new Uint8Array(await (value as Blob).arrayBuffer());
        response.end('{}');
        return;
      }
      try {
        response.end(
          await fsp.readFile(join(dir, decodeURIComponent(new URL(request.url!, 'http://local').pathname))),
        );
      } catch {
        response.statusCode = 404;
        response.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads model.json and its shards, fetched relative to it', async () => {
    const model = net(9);
    await save(model, join(dir, 'served', 'm.json'), { shardBytes: 1024 });
    const twin = await load(`${base}/served/m.json`);
    expect(weightBits(twin)).toEqual(weightBits(model));
    await expect(load(`${base}/served/missing.json`)).rejects.toThrow(/GET .*missing.json failed: HTTP 404/);
    model.dispose();
    twin.dispose();
  });

  it('saves by a multipart POST of model.json and the weights (tfjs’ http handler)', async () => {
    const model = net(10);
    await save(model, `${base}/upload`);
    const json = JSON.parse(new TextDecoder().decode(posted['model.json']));
    expect(json.weightsManifest[0].paths).toEqual(['./model.weights.bin']);
    await fsp.mkdir(join(dir, 'uploaded'), { recursive: true });
    await fsp.writeFile(join(dir, 'uploaded', 'model.json'), posted['model.json']!);
    await fsp.writeFile(join(dir, 'uploaded', 'model.weights.bin'), posted['model.weights.bin']!);
    const twin = await load(`${base}/uploaded/model.json`);
    expect(weightBits(twin)).toEqual(weightBits(model));
    model.dispose();
    twin.dispose();
  });
});

describe('save and load elsewhere', () => {
  it('takes any tf.io IOHandler, and names the schemes it knows for one it does not', async () => {
    const model = net(11);
    let artifacts: tf.io.ModelArtifacts | undefined;
    const handler = tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    });
    await save(model, handler);
    const twin = await load(tf.io.fromMemory(artifacts!));
    expect(weightBits(twin)).toEqual(weightBits(model));
    await expect(save(model, 'gopher://model')).rejects.toThrow(/no way to save 'gopher:\/\/model' here/);
    await expect(load('indexeddb://model')).rejects.toThrow(LayerError); // no IndexedDB in Node
    model.dispose();
    twin.dispose();
  });
});
