import {
  behindHeader,
  byteMutations,
  bytePrefixes,
  type FuzzTarget,
  fuzzFailures,
  Rng,
  randomByteStrings,
} from '@cnn/core';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../errors';
import { cifarArchive, parseCifar } from './cifar';
import { encodeIdx, idxImageSet, parseIdx } from './idx';
import { encodeMat, parseMat } from './mat';
import { encodeNpy, parseNpy } from './npy';
import { encodeNpz, parseNpz } from './npz';
import { encodePgm, parsePgm } from './pgm';
import { encodeTar, readTar } from './tar';

// Every parser, fed bytes that are mostly not what it reads, must return a value or throw a FormatError:
// never a RangeError or TypeError, never hang, never allocate what a lying header claims.

const text = (s: string) => new TextEncoder().encode(s);
const bytesOf = (n: number, f: (i: number) => number) =>
  Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
const cifarRecords = (n: number, labelBytes: number) =>
  bytesOf(n * (labelBytes + 3072), (i) => (i % (labelBytes + 3072) < labelBytes ? 1 : i * 7));

const images = encodeIdx({ dtype: 'uint8', shape: [3, 4, 5], data: bytesOf(60, (i) => i * 3) });
const labels = encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(0, 2, 1) });
const CLASSES = ['a', 'b', 'c'];

function cifar10Tar(): Uint8Array {
  const dir = 'cifar-10-batches-bin';
  const batches = [1, 2, 3, 4, 5].map((k) => ({
    name: `${dir}/data_batch_${k}.bin`,
    data: cifarRecords(1, 1),
  }));
  return encodeTar([
    ...batches,
    { name: `${dir}/test_batch.bin`, data: cifarRecords(1, 1) },
    { name: `${dir}/batches.meta.txt`, data: text('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n') },
  ]);
}

function cifar100Tar(): Uint8Array {
  const names = Array.from({ length: 100 }, (_, i) => `n${i}`).join('\n');
  return encodeTar([
    { name: 'cifar-100-binary/train.bin', data: cifarRecords(2, 2) },
    { name: 'cifar-100-binary/test.bin', data: cifarRecords(1, 2) },
    { name: 'cifar-100-binary/fine_label_names.txt', data: text(names) },
  ]);
}

const mats = {
  m: { dtype: 'float64' as const, shape: [3, 2], data: Float64Array.of(1, 2, 3, 4, 5, 6) },
  b: { dtype: 'bool' as const, shape: [1, 2], data: Uint8Array.of(1, 0) },
};
const npy = encodeNpy({ dtype: 'int16', shape: [2, 3], data: Int16Array.of(1, -2, 3, -4, 5, -6) });
const fortranBigEndian = (() => {
  const dict = "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }";
  const header = `${dict}${' '.repeat(128 - 10 - dict.length - 1)}\n`;
  const out = new Uint8Array(128 + 32);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
  out.set(text(header), 10);
  [1, 3, 2, 4].forEach((x, i) => {
    new DataView(out.buffer).setFloat64(128 + 8 * i, x, false);
  });
  return out;
})();

const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'parseIdx',
    parse: parseIdx,
    valid: [
      images,
      gzipSync(labels),
      encodeIdx({ dtype: 'float64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) }),
    ],
  },
  { name: 'idxImageSet(images)', parse: (b) => idxImageSet(b, labels, CLASSES), valid: [images] },
  { name: 'idxImageSet(labels)', parse: (b) => idxImageSet(images, b, CLASSES), valid: [labels] },
  {
    name: 'readTar',
    parse: readTar,
    valid: [
      encodeTar([
        { name: 'a.txt', data: text('hello') },
        { name: `${'long/'.repeat(60)}x`, data: bytesOf(700, (i) => i) },
      ]),
    ],
  },
  {
    name: 'parseCifar(cifar10)',
    parse: (b) => parseCifar(b, { variant: 'cifar10' }),
    valid: [cifarRecords(2, 1)],
  },
  {
    name: 'parseCifar(cifar100)',
    parse: (b) => parseCifar(b, { variant: 'cifar100', label: 'coarse' }),
    valid: [cifarRecords(2, 2)],
  },
  {
    name: 'cifarArchive(cifar10)',
    parse: (b) => cifarArchive(b, 'cifar10'),
    valid: [cifar10Tar(), gzipSync(cifar10Tar())],
  },
  { name: 'cifarArchive(cifar100)', parse: (b) => cifarArchive(b, 'cifar100'), valid: [cifar100Tar()] },
  { name: 'parseNpy', parse: parseNpy, valid: [npy, fortranBigEndian, gzipSync(npy)] },
  {
    name: 'parseNpz',
    parse: parseNpz,
    valid: [encodeNpz({ a: mats.m, b: mats.b }), encodeNpz({ a: mats.m }, { compress: true })],
  },
  {
    name: 'parsePgm',
    parse: parsePgm,
    valid: [
      encodePgm({ width: 5, height: 3, data: bytesOf(15, (i) => i * 17) }),
      encodePgm({ width: 3, height: 2, maxval: 1000, data: Uint16Array.of(0, 1, 999, 1000, 500, 7) }),
      text('P2\n# c\n3 2\n9\n1 2 3\n4 5 9\n'),
    ],
  },
  { name: 'parseMat', parse: parseMat, valid: [encodeMat(mats), encodeMat(mats, { compress: true })] },
];

/** Headers claiming about 2^31 (or more) elements over a few bytes of data. */
function hugeClaims(): [string, Uint8Array][] {
  const idx = new Uint8Array(4 + 12 + 16);
  const view = new DataView(idx.buffer);
  view.setUint32(0, 0x00000e03, false); // float64, 3 dimensions
  for (let d = 0; d < 3; d++) view.setUint32(4 + 4 * d, 2 ** 31, false);
  const npyHuge = encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) });
  npyHuge.set(text('(2147483648, 2147483648), }'), npyHuge.indexOf(0x28)); // over the growth padding
  const matHuge = encodeMat({ x: { dtype: 'float64', shape: [1, 1], data: Float64Array.of(1) } });
  new DataView(matHuge.buffer).setInt32(128 + 8 + 16 + 8, 2 ** 31 - 1, true);
  new DataView(matHuge.buffer).setInt32(128 + 8 + 16 + 12, 2 ** 31 - 1, true);
  const matTag = encodeMat({ x: { dtype: 'float64', shape: [1, 1], data: Float64Array.of(1) } });
  new DataView(matTag.buffer).setUint32(132, 0xffffffff, true);
  const tarHuge = encodeTar([{ name: 'big', data: new Uint8Array(1) }]);
  tarHuge.set([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 124);
  tarHuge.fill(0x20, 148, 156);
  tarHuge.set(
    text(
      `${tarHuge
        .subarray(0, 512)
        .reduce((a, b) => a + b, 0)
        .toString(8)
        .padStart(6, '0')}\0 `,
    ),
    148,
  );
  const npz = encodeNpz({ a: mats.m }, { compress: true });
  const eocd = npz.length - 22;
  const cd = new DataView(npz.buffer).getUint32(eocd + 16, true);
  new DataView(npz.buffer).setUint32(cd + 24, 0x7fffffff, true); // uncompressed size
  const npzCount = encodeNpz({ a: mats.m });
  for (const at of [8, 10]) new DataView(npzCount.buffer).setUint16(npzCount.length - 22 + at, 0xffff, true); // member counts
  return [
    ['parseIdx', idx],
    ['idxImageSet(images)', idx],
    ['parseNpy', npyHuge],
    ['parseMat', matHuge],
    ['parseMat', matTag],
    ['readTar', tarHuge],
    ['cifarArchive(cifar10)', tarHuge],
    ['parseNpz', npz],
    ['parseNpz', npzCount],
    ['parsePgm', text('P5 2147483648 2147483648 65535\n\0\0')],
    ['parsePgm', text('P2 2147483648 2147483648 65535\n1 2')],
  ];
}

/** The only errors a reader may throw. */
const expected = (error: unknown) => error instanceof FormatError;

describe('every parser on hostile bytes', () => {
  it('read the valid files the fuzzing starts from', () => {
    for (const target of TARGETS)
      for (const file of target.valid) expect(() => target.parse(file)).not.toThrow();
  });

  it('random byte strings of 0–4096 bytes, bare and behind a valid header', () => {
    const rng = new Rng(2024);
    for (const target of TARGETS) {
      expect(fuzzFailures(target, randomByteStrings(rng, 300, 4096), expected)).toEqual([]);
      const head = target.valid[0]!.subarray(0, 16);
      const behind = behindHeader(head, randomByteStrings(rng, 100, 4096));
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

  it('headers claiming 2^31 elements over a few bytes: a FormatError, nothing allocated', () => {
    for (const [name, bytes] of hugeClaims()) {
      const target = TARGETS.find((t) => t.name === name)!;
      const before = process.memoryUsage().arrayBuffers;
      expect(() => target.parse(bytes), name).toThrow(FormatError);
      expect(process.memoryUsage().arrayBuffers - before, name).toBeLessThan(64 * 2 ** 20);
    }
  });
});
