import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import { Dense } from '../layers/dense';
import { Sequential } from '../model';
import { loadArtifacts, saveArtifacts } from './artifacts';
import {
  byteLength,
  checkWeightBytes,
  decodeWeights,
  SHARD_BYTES,
  shardWeights,
  type WeightSpec,
} from './weights';

/** tfjs-core's own decoding of the same bytes: the independent reference. */
function tfjsDecoded(data: ArrayBuffer, specs: WeightSpec[]): Record<string, number[]> {
  const map = tf.io.decodeWeights(data, specs);
  const out = Object.fromEntries(Object.entries(map).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(map));
  return out;
}

const ours = (data: ArrayBuffer, specs: WeightSpec[]) =>
  Object.fromEntries([...decodeWeights(data, specs)].map(([k, v]) => [k, Array.from(v.values)]));

describe('shardWeights', () => {
  it('cuts the data into shards of at most 4 MiB that join back into it, named as tfjs names them', () => {
    const bytes = new Uint8Array(SHARD_BYTES * 2 + 12);
    for (let i = 0; i < bytes.length; i += 4099) bytes[i] = (i / 4099) % 251; // a pattern a misplaced shard breaks
    const data = bytes.buffer;
    const specs: WeightSpec[] = [
      { name: 'big/kernel', shape: [SHARD_BYTES / 4 + 1, 2], dtype: 'float32' },
      { name: 'big/bias', shape: [1], dtype: 'float32' },
    ];
    const { manifest, shards } = shardWeights(specs, data);
    expect(manifest).toEqual([
      { paths: ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'], weights: specs },
    ]);
    expect(shards.map((s) => s.byteLength)).toEqual([SHARD_BYTES, SHARD_BYTES, 12]);
    const joined = new Uint8Array(data.byteLength);
    let offset = 0;
    for (const shard of shards) {
      joined.set(shard, offset);
      offset += shard.byteLength;
    }
    const source = new Uint8Array(data);
    expect(joined.every((v, i) => v === source[i])).toBe(true); // not toEqual: its diffing of 8 MB is slow
    expect(shardWeights([], new ArrayBuffer(0)).manifest[0]!.paths).toEqual(['group1-shard1of1.bin']);
    expect(() => shardWeights(specs, data, 0)).toThrow(LayerError);
  });
});

describe('decodeWeights', () => {
  it('reads float32 and int32 weights as tfjs-core does', () => {
    const specs: WeightSpec[] = [
      { name: 'a', shape: [2, 2], dtype: 'float32' },
      { name: 'b', shape: [3], dtype: 'int32' },
    ];
    const data = new Uint8Array(28);
    new Float32Array(data.buffer, 0, 4).set([1.5, -2, 3.25, Math.PI]);
    new Int32Array(data.buffer, 16, 3).set([-7, 0, 123456]);
    expect(ours(data.buffer, specs)).toEqual(tfjsDecoded(data.buffer, specs));
    expect(ours(data.buffer, specs).b).toEqual([-7, 0, 123456]);
  });

  it('dequantizes uint8 and uint16 (q·scale + min, int32 rounded) and float16, as tfjs-core does', () => {
    const rng = new Rng(4);
    const specs: WeightSpec[] = [
      { name: 'u8', shape: [5], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.02, min: -1.3 } },
      {
        name: 'u16',
        shape: [3],
        dtype: 'float32',
        quantization: { dtype: 'uint16', scale: 1e-4, min: -0.5 },
      },
      { name: 'i8', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.5, min: -3 } },
      { name: 'f16', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
    ];
    const data = new Uint8Array(specs.reduce((n, s) => n + byteLength(s), 0));
    data.set([0, 1, 127, 200, 255], 0);
    for (let i = 5; i < data.length; i++) data[i] = rng.int(256);
    // Weight by weight: tfjs-core's decoder wants each quantized array aligned, ours copies as needed.
    let offset = 0;
    for (const spec of specs) {
      const n = byteLength(spec);
      const slice = data.slice(offset, offset + n).buffer;
      expect(ours(slice, [spec])).toEqual(tfjsDecoded(slice, [spec]));
      offset += n;
    }
    const all = ours(data.buffer, specs);
    expect(all.u8).toEqual([0, 1, 127, 200, 255].map((q) => Math.fround(q * 0.02 - 1.3)));
    expect(all.i8!.every(Number.isInteger)).toBe(true);
  });

  it('decodes every float16 value as tfjs-core does', () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const spec: WeightSpec = {
      name: 'h',
      shape: [65536],
      dtype: 'float32',
      quantization: { dtype: 'float16' },
    };
    const [mine, theirs] = [ours(halves.buffer, [spec]).h!, tfjsDecoded(halves.buffer, [spec]).h!];
    expect(mine.map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(
      theirs.map((v) => (Number.isNaN(v) ? 'NaN' : v)),
    );
    expect([mine[0x3c00], mine[0xc000], mine[0x0001], mine[0x7c00]]).toEqual([
      1,
      -2,
      2 ** -24,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('names the weight data cut short, refuses excess and unsupported dtypes', () => {
    const specs: WeightSpec[] = [
      { name: 'k', shape: [2, 3], dtype: 'float32' },
      { name: 'b', shape: [3], dtype: 'float32' },
    ];
    expect(() => checkWeightBytes(30, specs, 'group1-shard1of1.bin')).toThrow(
      /group1-shard1of1.bin ends after 30 bytes: weight b \[3\] needs bytes 24–36/,
    );
    expect(() => checkWeightBytes(0, specs)).toThrow(/the weight data is empty: weight k/);
    expect(() => checkWeightBytes(40, specs)).toThrow(/holds 40 bytes but its 2 weights take 36/);
    expect(() => byteLength({ name: 's', shape: [1], dtype: 'string' })).toThrow(
      /dtype 'string' is not supported/,
    );
    const badQuant = {
      name: 'q',
      shape: [1],
      dtype: 'float32',
      quantization: { dtype: 'int4' },
    } as unknown as WeightSpec;
    expect(() => byteLength(badQuant)).toThrow(/unknown quantization 'int4'/);
    const noScale: WeightSpec = { name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } };
    expect(() => decodeWeights(new ArrayBuffer(1), [noScale])).toThrow(/needs a numeric scale and min/);
  });

  it('loads a model whose weights were stored quantized and as several buffers', async () => {
    const net = new Sequential([new Dense({ units: 2, name: 'fc' })], { inputShape: [2] });
    const artifacts = await saveArtifacts(net);
    const kernel = Uint8Array.from([0, 50, 100, 255]);
    const bias = new Uint16Array([0x3c00, 0xbc00]); // 1 and −1 in float16
    const twin = loadArtifacts({
      ...artifacts,
      weightSpecs: [
        { ...artifacts.weightSpecs![0]!, quantization: { dtype: 'uint8', scale: 0.01, min: -1 } },
        { ...artifacts.weightSpecs![1]!, quantization: { dtype: 'float16' } },
      ],
      weightData: [kernel.buffer, bias.buffer],
    });
    expect(Array.from(twin.weights[0]!.variable.dataSync())).toEqual([-1, -0.5, 0, 1.55].map(Math.fround));
    expect(Array.from(twin.weights[1]!.variable.dataSync())).toEqual([1, -1]);
    net.dispose();
    twin.dispose();
  });
});
