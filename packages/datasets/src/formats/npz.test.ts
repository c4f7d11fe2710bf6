import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatError, pythonFile } from '../../test/helpers';
import type { NdArray } from './ndarray';
import { encodeNpy } from './npy';
import { encodeNpz, parseNpz } from './npz';

/** A minimal .npy written by hand (format 1.0, header padded to 64 bytes) for a little-endian float32 vector. */
function npyF4(values: number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const start = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(start + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, start - 10, 0]);
  out.set(new TextEncoder().encode(dict.padEnd(start - 11, ' ')), 10);
  out[start - 1] = 0x0a;
  values.forEach((v, i) => {
    new DataView(out.buffer).setFloat32(start + 4 * i, v, true);
  });
  return out;
}

/** Offset of the first central-directory record (signature PK\1\2) of a zip. */
function centralDirectory(zip: Uint8Array): number {
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 0x05 && zip[i + 3] === 0x06) {
      return new DataView(zip.buffer, zip.byteOffset).getUint32(i + 16, true);
    }
  }
  throw new Error('no end-of-central-directory record');
}

const arrays: Record<string, NdArray> = {
  x_train: { dtype: 'uint8', shape: [2, 2, 2], data: Uint8Array.from([0, 1, 2, 3, 252, 253, 254, 255]) },
  y_train: { dtype: 'int32', shape: [2], data: Int32Array.from([7, -7]) },
  mean: { dtype: 'float64', shape: [], data: Float64Array.of(Math.PI) },
};

describe('parseNpz', () => {
  it('read a zip of .npy files written by hand, stored or deflated', () => {
    for (const level of [0, 9] as const) {
      const zip = zipSync({ 'a.npy': [npyF4([1, 2.5]), { level }], 'dir/b.npy': [npyF4([]), { level }] });
      const out = parseNpz(zip);
      expect(Object.keys(out)).toEqual(['a', 'dir/b']);
      expect([out.a?.dtype, out.a?.shape, Array.from(out.a?.data ?? [])]).toEqual(['float32', [2], [1, 2.5]]);
      expect(out['dir/b']?.shape).toEqual([0]);
    }
  });

  it('refuse archives that are not npz, corrupt or lying about sizes', () => {
    expect(formatError(() => parseNpz(zipSync({ 'notes.txt': new Uint8Array(3) })))).toMatch(
      /npz: member 'notes.txt' is not an .npy file/,
    );
    expect(formatError(() => parseNpz(zipSync({ 'x.npy': npyF4([1]).subarray(0, 130) })))).toMatch(
      /npz: member 'x.npy': npy: truncated: shape \(1\) of '<f4' needs 4 data bytes/,
    );
    expect(formatError(() => parseNpz(npyF4([1])))).toMatch(/npz: not a readable zip archive/);
    expect(formatError(() => parseNpz(new Uint8Array(0)))).toMatch(/npz: not a readable zip archive/);
    // A central directory claiming 2 GiB uncompressed for a 200-byte deflated member: refused unallocated.
    const zip = encodeNpz({ w: arrays.y_train! }, { compress: true });
    const cd = centralDirectory(zip);
    new DataView(zip.buffer, zip.byteOffset).setUint32(cd + 24, 0x7fffffff, true);
    expect(formatError(() => parseNpz(zip))).toMatch(
      /member 'w.npy' declares \d+ compressed and 2147483647 uncompressed bytes/,
    );
  });
});

describe('encodeNpz', () => {
  it('round-trip arrays stored (savez) and deflated (savez_compressed)', () => {
    for (const compress of [false, true]) {
      const zip = encodeNpz(arrays, { compress });
      // Local file header of the first member: compression method at byte 8 (0 stored, 8 deflated).
      expect(zip[8]).toBe(compress ? 8 : 0);
      const back = parseNpz(zip);
      expect(Object.keys(back)).toEqual(['x_train', 'y_train', 'mean']);
      for (const [key, a] of Object.entries(arrays)) {
        const b = back[key]!;
        expect([b.dtype, b.shape, Array.from(b.data)]).toEqual([a.dtype, a.shape, Array.from(a.data)]);
      }
    }
    // Each member is exactly the .npy encodeNpy writes.
    const stored = encodeNpz({ m: arrays.mean! });
    const npy = encodeNpy(arrays.mean!);
    expect(Array.from(stored.subarray(30 + 'm.npy'.length, 30 + 'm.npy'.length + npy.length))).toEqual(
      Array.from(npy),
    );
    expect(Array.from(encodeNpz(arrays))).toEqual(Array.from(encodeNpz(arrays))); // no timestamps
  });

  it('name the array it cannot write', () => {
    const bad = { dtype: 'uint8', shape: [3], data: new Uint8Array(2) } as NdArray;
    expect(formatError(() => encodeNpz({ pixels: bad }))).toMatch(
      /npz: array 'pixels': npy: the array has shape \[3\]/,
    );
    expect(formatError(() => encodeNpz({ '': arrays.mean! }))).toMatch(/array names must be non-empty/);
  });
});

const GCVSPL = pythonFile('scipy/interpolate/tests/data/gcvspl.npz');
const BUG1310 = pythonFile('scipy/interpolate/tests/data/bug-1310.npz');
const CSC = pythonFile('scipy/sparse/tests/data/csc_py3.npz');

describe('parseNpz on archives numpy wrote', () => {
  // Reference values: numpy's np.load(...)[key][i].tolist() on the same files.
  it.skipIf(GCVSPL === undefined)("read scipy's gcvspl.npz (savez, stored)", () => {
    const out = parseNpz(readFileSync(GCVSPL!));
    expect(Object.keys(out).sort()).toEqual(['x', 'y', 'y_GCVSPL']);
    expect([out.x?.dtype, out.x?.shape]).toEqual(['float64', [100]]);
    expect(Array.from(out.x!.data.subarray(0, 3))).toEqual([
      -1.9751659336514824, -1.9729437520399888, -1.944926201637271,
    ]);
    expect(out.y_GCVSPL?.data[99]).toBe(0.902390645840686);
  });

  it.skipIf(BUG1310 === undefined)("read scipy's bug-1310.npz (deflated)", () => {
    const { data } = parseNpz(readFileSync(BUG1310!));
    expect(data?.shape).toEqual([231, 3]);
    expect(Array.from(data!.data.subarray(0, 3))).toEqual([0.15, 1.5, 0.00042039]);
    expect(Array.from(data!.data.subarray(690))).toEqual([9.6, 2.5, 0.00087542]);
    expect(Array.from(data!.data).reduce((s, x) => s + x, 0)).toBeCloseTo(1189.78073081, 8);
  });

  it.skipIf(CSC === undefined)("name the member of scipy's csc_py3.npz holding a string", () => {
    expect(formatError(() => parseNpz(readFileSync(CSC!)))).toMatch(
      /member 'format.npy': npy: unsupported dtype '<U3'/,
    );
  });
});
