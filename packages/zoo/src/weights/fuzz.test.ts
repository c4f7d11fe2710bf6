import {
  behindHeader,
  byteMutations,
  bytePrefixes,
  type FuzzTarget,
  fuzzFailures,
  Rng,
  randomByteStrings,
} from '@cnn/core';
import { Conv2D, Dense, Flatten, Sequential } from '@cnn/layers';
import { afterAll, describe, expect, it } from 'vitest';
import { WeightFormatError, WeightMatchError } from './errors';
import { decodeWeightsManifest, parseWeightsManifest } from './manifest';
import { encodeWeightsManifest } from './manifest_write';
import type { NamedWeights } from './named';
import { encodeSafetensors, parseSafetensors } from './safetensors';
import { torchWeights } from './torch';

// Every reader, fed bytes that are mostly not what it reads, must return or throw one of this package's
// typed errors: never a RangeError or TypeError, never hang, never allocate what a lying header claims.

const text = (s: string) => new TextEncoder().encode(s);
const rng0 = new Rng(1);
const weights: NamedWeights = new Map([
  [
    'conv/kernel',
    { shape: [3, 3, 1, 2], dtype: 'float32', values: Float32Array.from({ length: 18 }, () => rng0.normal()) },
  ],
  ['conv/bias', { shape: [2], dtype: 'float32', values: Float32Array.of(0.5, -1) }],
  [
    'fc/kernel',
    { shape: [8, 3], dtype: 'float32', values: Float32Array.from({ length: 24 }, () => rng0.normal()) },
  ],
  ['fc/bias', { shape: [3], dtype: 'float32', values: Float32Array.of(1, 2, 3) }],
  ['count', { shape: [2], dtype: 'int32', values: Int32Array.of(-3, 40000) }],
]);
const encoded = {
  plain: encodeWeightsManifest(weights),
  uint8: encodeWeightsManifest(weights, { quantize: 'uint8' }),
  float16: encodeWeightsManifest(weights, { quantize: 'float16' }),
};
const PATH = 'group1-shard1of1.bin';
const torchFile = encodeSafetensors(
  {
    'features.0.weight': { shape: [2, 1, 3, 3], values: weights.get('conv/kernel')!.values },
    'features.0.bias': { dtype: 'F16', shape: [2], values: [0.5, -1] },
    'classifier.weight': { dtype: 'BF16', shape: [3, 8], values: weights.get('fc/kernel')!.values },
    'classifier.bias': { dtype: 'F64', shape: [3], values: [1, 2, 3] },
    'bn.num_batches_tracked': { dtype: 'I64', shape: [], values: [7] },
  },
  { format: 'pt' },
);
const net = new Sequential(
  [
    new Conv2D({ filters: 2, kernelSize: 3, name: 'conv' }),
    new Flatten(),
    new Dense({ units: 3, name: 'fc' }),
  ],
  { inputShape: [4, 4, 1] },
);
afterAll(() => net.dispose());

const TARGETS: readonly FuzzTarget[] = [
  { name: 'parseSafetensors', parse: parseSafetensors, valid: [torchFile, encodeSafetensors({})] },
  {
    name: 'torchWeights(parseSafetensors)',
    parse: (b) => torchWeights(net, parseSafetensors(b), { conv: 'features.0', fc: 'classifier' }),
    valid: [torchFile],
  },
  {
    name: 'parseWeightsManifest + decode',
    parse: (b) => decodeWeightsManifest(parseWeightsManifest(b), { [PATH]: encoded.uint8.shards[0]! }),
    valid: [text(JSON.stringify(encoded.uint8.manifest))],
  },
  ...(['plain', 'uint8', 'float16'] as const).map((kind) => ({
    name: `decodeWeightsManifest(${kind} shard)`,
    parse: (b: Uint8Array) => decodeWeightsManifest(encoded[kind].manifest, { [PATH]: b }),
    valid: [encoded[kind].shards[0]!],
  })),
];

/** The only errors a reader may throw. */
const expected = (error: unknown) => error instanceof WeightFormatError || error instanceof WeightMatchError;

describe('every weight reader on hostile bytes', () => {
  it('reads the valid files the fuzzing starts from', () => {
    for (const target of TARGETS)
      for (const file of target.valid) expect(() => target.parse(file), target.name).not.toThrow();
  });

  it('random byte strings of 0–2048 bytes, bare and behind a valid header', () => {
    const rng = new Rng(2024);
    for (const target of TARGETS) {
      expect(fuzzFailures(target, randomByteStrings(rng, 200, 2048), expected)).toEqual([]);
      const head = target.valid[0]!.subarray(0, 16);
      const behind = behindHeader(head, randomByteStrings(rng, 100, 2048));
      expect(fuzzFailures(target, behind, expected)).toEqual([]);
    }
  });

  it('every prefix of the valid files', () => {
    for (const target of TARGETS)
      for (const file of target.valid) expect(fuzzFailures(target, bytePrefixes(file), expected)).toEqual([]);
  });

  it('random byte changes in the valid files, mostly in their headers', () => {
    const rng = new Rng(77);
    for (const target of TARGETS)
      for (const file of target.valid)
        expect(fuzzFailures(target, byteMutations(rng, file, 300), expected)).toEqual([]);
  });

  it('headers claiming 2^31 elements or more over a few bytes: a typed error, nothing allocated', () => {
    const lyingLength = torchFile.slice();
    new DataView(lyingLength.buffer).setBigUint64(0, 2n ** 40n, true);
    const huge = (shape: number[], end: number) => {
      const json = text(JSON.stringify({ x: { dtype: 'F32', shape, data_offsets: [0, end] } }));
      const out = new Uint8Array(8 + json.length + 16);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const manifest = (shape: number[], quantization?: object) =>
      text(
        JSON.stringify([{ paths: [PATH], weights: [{ name: 'x', shape, dtype: 'float32', quantization }] }]),
      );
    const cases: [(b: Uint8Array) => unknown, Uint8Array][] = [
      [parseSafetensors, lyingLength],
      [parseSafetensors, huge([2 ** 31, 2 ** 31], 2 ** 53 - 1)],
      [parseSafetensors, huge([2 ** 31], 2 ** 33)],
      [parseSafetensors, huge([4], 2 ** 40)],
      [
        (b) => decodeWeightsManifest(parseWeightsManifest(b), { [PATH]: new Uint8Array(16) }),
        manifest([2 ** 31 - 1, 2 ** 31 - 1]),
      ],
      [
        (b) => decodeWeightsManifest(parseWeightsManifest(b), { [PATH]: new Uint8Array(16) }),
        manifest([2 ** 31 - 1], { dtype: 'uint8', scale: 1, min: 0 }),
      ],
    ];
    for (const [parse, bytes] of cases) {
      const before = process.memoryUsage().arrayBuffers;
      expect(() => parse(bytes)).toThrow(WeightFormatError);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
    }
  });
});
