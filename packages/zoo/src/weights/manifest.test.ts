import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightFormatError } from './errors';
import { loadWeightsManifest, WeightSourceError, writeWeightsManifest } from './files';
import { decodeWeightsManifest, parseWeightsManifest } from './manifest';
import { encodeWeightsManifest } from './manifest_write';
import type { NamedWeights } from './named';

function sample(seed: number): NamedWeights {
  const rng = new Rng(seed);
  const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.1);
  return new Map([
    ['block1_conv1/kernel', { shape: [3, 3, 2, 4], dtype: 'float32', values: normal(72) }],
    ['block1_conv1/bias', { shape: [4], dtype: 'float32', values: Float32Array.of(0.5, 0.25, 0.75, 1) }], // all > 0
    ['steps', { shape: [2], dtype: 'int32', values: Int32Array.of(-7, 123456) }],
    ['fc/kernel', { shape: [5, 3], dtype: 'float32', values: normal(15) }],
  ]);
}

const asShards = (shards: Uint8Array[], paths: string[]) => new Map(paths.map((p, i) => [p, shards[i]!]));

/** tfjs-core's own decoding (tf.io.decodeWeights) of a manifest and its shards: the independent reference. */
function tfjsReference(manifest: tf.io.WeightsManifestConfig, shards: Uint8Array[]): Map<string, number[]> {
  const bytes = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of shards) {
    bytes.set(s, at);
    at += s.length;
  }
  const map = tf.io.decodeWeights(bytes.buffer, manifest[0]!.weights);
  const out = new Map(Object.entries(map).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(map));
  return out;
}

describe('tfjs weight manifests', () => {
  it('round-trip float32 and int32 weights bit for bit, across several shards', () => {
    const weights = sample(1);
    const { manifest, shards } = encodeWeightsManifest(weights, { shardBytes: 100 });
    expect(shards.length).toBe(Math.ceil((4 * (72 + 4 + 2 + 15)) / 100));
    const back = decodeWeightsManifest(
      parseWeightsManifest(JSON.stringify(manifest)),
      asShards(shards, manifest[0]!.paths),
    );
    for (const [name, w] of weights) {
      const b = back.get(name)!;
      expect(b.shape).toEqual(w.shape);
      expect(b.dtype).toBe(w.dtype);
      expect(b.values.constructor).toBe(w.values.constructor);
      expect(
        Buffer.from(b.values.buffer, b.values.byteOffset, b.values.byteLength).equals(
          Buffer.from(w.values.buffer),
        ),
      ).toBe(true);
    }
  });

  for (const q of ['uint8', 'uint16', 'float16'] as const) {
    it(`write ${q}-quantized weights that read back exactly as tfjs-core decodes them`, () => {
      const weights = sample(2);
      const { manifest, shards } = encodeWeightsManifest(weights, { quantize: q });
      const back = decodeWeightsManifest(manifest, asShards(shards, manifest[0]!.paths));
      const reference = tfjsReference(manifest, shards);
      for (const spec of manifest[0]!.weights) {
        expect(Array.from(back.get(spec.name)!.values), spec.name).toEqual(reference.get(spec.name));
        const original = weights.get(spec.name)!.values;
        const got = back.get(spec.name)!.values;
        const qz = spec.quantization!;
        if (q === 'float16') {
          expect(spec.dtype === 'int32' ? qz : qz.dtype).toEqual(
            spec.dtype === 'int32' ? undefined : 'float16',
          );
          // Half precision: 11 significant bits, relative error at most 2^-11 (these are all normal halves).
          for (const [i, v] of original.entries()) {
            expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7);
          }
        } else {
          // Affine: error at most half a step (plus float32 rounding; int32 rounds once more), 0 exact.
          const step = qz.scale!;
          const slack = spec.dtype === 'int32' ? 0.5 : 0;
          for (const [i, v] of original.entries()) {
            expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(
              step / 2 + slack + Math.abs(v) * 2 ** -23 + 1e-9,
            );
          }
          const lo = Math.min(...original);
          const hi = Math.max(...original);
          if (lo <= 0 && hi >= 0) expect(Math.round(-qz.min! / step) * step + qz.min!).toBe(0);
          expect(step).toBeCloseTo((hi - lo) / (q === 'uint8' ? 255 : 65535), 12);
        }
      }
    });
  }

  it('quantize a constant weight as the converter does: all zeros, scale 1, min the value', () => {
    const weights: NamedWeights = new Map([
      ['c', { shape: [3], dtype: 'float32', values: Float32Array.of(2.5, 2.5, 2.5) }],
    ]);
    const { manifest, shards } = encodeWeightsManifest(weights, { quantize: 'uint8' });
    expect(manifest[0]!.weights[0]!.quantization).toEqual({ dtype: 'uint8', scale: 1, min: 2.5 });
    expect(Array.from(shards[0]!)).toEqual([0, 0, 0]);
    expect(
      Array.from(decodeWeightsManifest(manifest, asShards(shards, manifest[0]!.paths)).get('c')!.values),
    ).toEqual([2.5, 2.5, 2.5]);
  });

  it('quantize only the weights asked for', () => {
    const { manifest } = encodeWeightsManifest(sample(3), {
      quantize: 'uint8',
      quantizeWeight: (n) => n.endsWith('kernel'),
    });
    expect(manifest[0]!.weights.map((w) => w.quantization?.dtype ?? null)).toEqual([
      'uint8',
      null,
      null,
      'uint8',
    ]);
  });

  it('refuse malformed manifests and shards with a WeightFormatError naming the weight or file', () => {
    const { manifest, shards } = encodeWeightsManifest(sample(4));
    const entry = (patch: object) => [
      { paths: ['a.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32', ...patch }] },
    ];
    const cases: [unknown, RegExp][] = [
      ['{', /not JSON/],
      [{ paths: [] }, /expected a list of \{ paths, weights \} groups/],
      [[{ paths: 'a.bin', weights: [] }], /group 1: paths must be a list of file names/],
      [entry({ shape: [2.5] }), /weight w: shape must be a list of non-negative integers/],
      [entry({ dtype: 'string' }), /weight w: dtype must be float32 or int32/],
      [entry({ quantization: { dtype: 'int4' } }), /quantization dtype must be uint8, uint16 or float16/],
      [
        entry({ quantization: { dtype: 'uint8', scale: 1 } }),
        /uint8 quantization needs finite numbers scale and min/,
      ],
      [
        entry({ dtype: 'int32', quantization: { dtype: 'float16' } }),
        /float16 quantization holds float32 weights only/,
      ],
      [[...entry({}), ...entry({})], /weight w is listed twice/],
    ];
    for (const [json, message] of cases) {
      const input = typeof json === 'string' ? json : JSON.stringify(json);
      expect(() => parseWeightsManifest(input)).toThrow(WeightFormatError);
      expect(() => parseWeightsManifest(input)).toThrow(message);
    }
    const paths = manifest[0]!.paths;
    const cut = new Map([[paths[0]!, shards[0]!.subarray(0, 10)]]);
    expect(() => decodeWeightsManifest(manifest, cut)).toThrow(
      /group1-shard1of1.bin: 4 weights take 372 bytes, the files hold 10: cut short/,
    );
    expect(() => decodeWeightsManifest(manifest, new Map())).toThrow(
      /the shard file group1-shard1of1.bin is missing/,
    );
    // A model.json reads as its weightsManifest.
    expect(parseWeightsManifest({ modelTopology: {}, weightsManifest: manifest })).toEqual(manifest);
  });
});

describe('manifest files and URLs', () => {
  let dir: string;
  let server: ReturnType<typeof createServer>;
  let base: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-zoo-manifest-'));
    server = createServer((request, response) => {
      readFile(join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname)))
        .then((bytes) => response.end(bytes))
        .catch(() => {
          response.statusCode = 404;
          response.end();
        });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('write a directory that loads back from its path, and over HTTP both here and with tf.io.loadWeights', async () => {
    const weights = sample(5);
    const manifest = await writeWeightsManifest(join(dir, 'm'), weights, { shardBytes: 128 });
    expect((await readdir(join(dir, 'm'))).sort()).toEqual(
      [...manifest[0]!.paths, 'weights_manifest.json'].sort(),
    );
    for (const back of [
      await loadWeightsManifest(join(dir, 'm')),
      await loadWeightsManifest(`file://${join(dir, 'm', 'weights_manifest.json')}`),
      await loadWeightsManifest(`${base}m/weights_manifest.json`),
    ]) {
      for (const [name, w] of weights)
        expect(Array.from(back.get(name)!.values), name).toEqual(Array.from(w.values));
    }
    const theirs = await tf.io.loadWeights(manifest, `${base}m`);
    for (const [name, w] of weights)
      expect(Array.from(theirs[name]!.dataSync()), name).toEqual(Array.from(w.values));
    tf.dispose(Object.values(theirs));
  });

  it('name the file that is missing, and refuse shards outside the manifest’s directory', async () => {
    await expect(loadWeightsManifest(join(dir, 'nowhere'))).rejects.toThrow(WeightSourceError);
    await expect(loadWeightsManifest(`${base}nowhere/weights_manifest.json`)).rejects.toThrow(/HTTP 404/);
    await writeFile(join(dir, 'evil.json'), JSON.stringify([{ paths: ['../secret.bin'], weights: [] }]));
    await expect(loadWeightsManifest(join(dir, 'evil.json'))).rejects.toThrow(
      /lists the shard \.\.\/secret\.bin, outside its directory/,
    );
  });
});
