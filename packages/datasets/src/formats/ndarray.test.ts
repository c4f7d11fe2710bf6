import { Rng } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../test/helpers';
import {
  checkNdArray,
  cToFortran,
  elementBytes,
  fortranToC,
  int64ToFloat64,
  type NdArray,
  readElements,
  shapeSize,
} from './ndarray';

describe('fortranToC and cToFortran', () => {
  it('move element (i, j, k) from i + 2j + 6k (column-major) to 12i + 4j + k (C order)', () => {
    const shape = [2, 3, 4];
    const fortran = Float64Array.from({ length: 24 }, (_, f) => f);
    const c = fortranToC(fortran, shape);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) expect(c[12 * i + 4 * j + k]).toBe(i + 2 * j + 6 * k);
    }
    expect(Array.from(cToFortran(c, shape))).toEqual(Array.from(fortran));
  });

  it('are inverses for random shapes, and return vectors untouched', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 20; t++) {
      const shape = Array.from({ length: 1 + rng.int(4) }, () => rng.int(4));
      const data = Int32Array.from({ length: shapeSize(shape) }, () => rng.uint32() | 0);
      expect(Array.from(fortranToC(cToFortran(data, shape), shape))).toEqual(Array.from(data));
    }
    const v = Uint8Array.of(1, 2, 3);
    expect(fortranToC(v, [1, 3, 1])).toBe(v);
    expect(cToFortran(v, [3])).toBe(v);
  });
});

describe('readElements and elementBytes', () => {
  it('view aligned little-endian bytes, copy misaligned ones', () => {
    const buffer = new ArrayBuffer(20);
    new Float32Array(buffer, 4, 2).set([1.5, -2]);
    const aligned = readElements(new Uint8Array(buffer, 4, 8), 'float32', true);
    expect([aligned.buffer === buffer, Array.from(aligned)]).toEqual([true, [1.5, -2]]);
    const shifted = new Uint8Array(12);
    shifted.set(new Uint8Array(buffer, 4, 8), 1);
    const copied = readElements(shifted.subarray(1, 9), 'float32', true);
    expect([copied.buffer === shifted.buffer, Array.from(copied)]).toEqual([false, [1.5, -2]]);
  });

  it('byte-swap big-endian data into a copy, leaving the input (even a Node Buffer) as it was', () => {
    const input = Buffer.from([0xff, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
    const before = Array.from(input);
    const ints = readElements(input.subarray(1, 9), 'int32', false);
    expect(Array.from(ints)).toEqual([0x00000102, 0x00000000]);
    const shorts = readElements(input.subarray(0, 4), 'int16', false);
    expect(Array.from(shorts)).toEqual([-256, 1]);
    expect(Array.from(input)).toEqual(before);
  });

  it('write bytes in the order asked for', () => {
    const data = Float64Array.of(Math.PI, -0);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setFloat64(0, Math.PI, false);
    new DataView(big.buffer).setFloat64(8, -0, false);
    expect(Array.from(elementBytes(data, false))).toEqual(Array.from(big));
    expect(Array.from(elementBytes(data, true))).toEqual(
      Array.from(big.subarray(0, 8))
        .reverse()
        .concat(Array.from(big.subarray(8)).reverse()),
    );
    expect(Array.from(data)).toEqual([Math.PI, -0]);
  });
});

describe('int64ToFloat64', () => {
  const int64 = (xs: bigint[], le: boolean, signed = true) => {
    const out = new Uint8Array(8 * xs.length);
    const view = new DataView(out.buffer);
    xs.forEach((x, i) => {
      if (signed) view.setBigInt64(8 * i, x, le);
      else view.setBigUint64(8 * i, x, le);
    });
    return out;
  };

  it('keep integers within ±2^53 exactly, in either byte order', () => {
    const xs = [0n, -1n, 2n ** 53n, -(2n ** 53n), 2n ** 32n + 5n, -(2n ** 32n) - 7n];
    for (const le of [true, false]) {
      expect(Array.from(int64ToFloat64(int64(xs, le), true, le, 'npy'))).toEqual(xs.map(Number));
    }
    expect(Array.from(int64ToFloat64(int64([2n ** 53n], false, false), false, false, 'npy'))).toEqual([
      2 ** 53,
    ]);
  });

  it('refuse integers a double would round', () => {
    expect(formatError(() => int64ToFloat64(int64([1n, 2n ** 53n + 1n], true), true, true, 'npy'))).toMatch(
      /npy: int64 element 1 is beyond ±2\^53/,
    );
    expect(formatError(() => int64ToFloat64(int64([-(2n ** 53n) - 1n], false), true, false, 'mat'))).toMatch(
      /mat: int64 element 0/,
    );
    expect(
      formatError(() => int64ToFloat64(int64([2n ** 64n - 1n], true, false), false, true, 'npy')),
    ).toMatch(/uint64 element 0/);
  });
});

describe('checkNdArray', () => {
  it('return the element count of a consistent array and name what is inconsistent', () => {
    expect(checkNdArray({ dtype: 'int16', shape: [2, 3], data: new Int16Array(6) }, 'npy')).toBe(6);
    expect(checkNdArray({ dtype: 'bool', shape: [], data: new Uint8Array(1) }, 'npy')).toBe(1);
    const bad = (a: unknown) => formatError(() => checkNdArray(a as NdArray, 'npy', 'array x'));
    expect(bad({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) })).toMatch(
      /array x has dtype int64; expected one of uint8, int8/,
    );
    expect(bad({ dtype: 'uint8', shape: [1.5], data: new Uint8Array(1) })).toMatch(
      /array x needs a shape of non-negative integers, got 1.5/,
    );
    expect(bad({ dtype: 'uint8', shape: [2], data: [1, 2] })).toMatch(
      /its data must be a Uint8Array, got Array/,
    );
    expect(bad({ dtype: 'uint8', shape: [2], data: new Uint8Array(3) })).toMatch(
      /shape \[2\] \(2 elements\) but 3 values/,
    );
    expect(bad(undefined)).toMatch(/array x has dtype undefined/);
  });
});
