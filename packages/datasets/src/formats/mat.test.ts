import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@cnn/core';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatError, pythonFile } from '../../test/helpers';
import { encodeMat, parseMat } from './mat';
import type { NdArray } from './ndarray';
import { concatBytes } from './ndarray';

// Data types and classes of the MAT-File Format document.
const mi = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT32: 6,
  INT32: 5,
  DOUBLE: 9,
  INT64: 12,
  MATRIX: 14,
  COMPRESSED: 15,
};
const mx = { CELL: 1, CHAR: 4, SPARSE: 5, DOUBLE: 6, UINT8: 9, INT16: 10, INT32: 12, UINT32: 13, INT64: 14 };

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

/** The 128-byte header: descriptive text, subsystem offset, version, then 'IM' written as a native uint16. */
function header(le: boolean, version = 0x0100): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  h.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, hand-made test'));
  h.fill(0, 116, 124);
  const view = new DataView(h.buffer);
  view.setUint16(124, version, le);
  view.setUint16(126, 0x4d49, le); // 'MI' as a uint16: bytes 'IM' little-endian, 'MI' big-endian
  return h;
}

/** A data element: 8-byte tag (type, byte count) then the data padded to 8 bytes; `small` packs ≤ 4 bytes in 8. */
function element(le: boolean, type: number, data: Uint8Array, small = false): Uint8Array {
  if (small) {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    if (le) {
      view.setUint16(0, type, true);
      view.setUint16(2, data.length, true);
    } else {
      view.setUint16(0, data.length, false);
      view.setUint16(2, type, false);
    }
    out.set(data, 4);
    return out;
  }
  const out = new Uint8Array(8 + Math.ceil(data.length / 8) * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, le);
  view.setUint32(4, data.length, le);
  out.set(data, 8);
  return out;
}

type Setter = (v: DataView, at: number, x: number, le: boolean) => void;
const SET: Record<string, [number, Setter]> = {
  f64: [8, (v, at, x, le) => v.setFloat64(at, x, le)],
  i32: [4, (v, at, x, le) => v.setInt32(at, x, le)],
  u32: [4, (v, at, x, le) => v.setUint32(at, x, le)],
  i16: [2, (v, at, x, le) => v.setInt16(at, x, le)],
  u8: [1, (v, at, x) => v.setUint8(at, x)],
  i64: [8, (v, at, x, le) => v.setBigInt64(at, BigInt(x), le)],
};
function numbers(kind: keyof typeof SET, values: number[], le: boolean): Uint8Array {
  const [size, set] = SET[kind]!;
  const out = new Uint8Array(size * values.length);
  values.forEach((x, i) => {
    set(new DataView(out.buffer), i * size, x, le);
  });
  return out;
}

interface Matrix {
  cls: number;
  flags?: number;
  dims: number[];
  name: string;
  real: [type: number, data: Uint8Array];
}
/** A miMATRIX element: array flags, dimensions, name, real part. */
function matrix(le: boolean, m: Matrix): Uint8Array {
  const name = new TextEncoder().encode(m.name);
  return element(
    le,
    mi.MATRIX,
    concat(
      element(le, mi.UINT32, numbers('u32', [m.cls | (m.flags ?? 0), 0], le)),
      element(le, mi.INT32, numbers('i32', m.dims, le)),
      element(le, mi.INT8, name, name.length <= 4),
      element(le, m.real[0], m.real[1], m.real[1].length <= 4),
    ),
  );
}
const file = (le: boolean, ...elements: Uint8Array[]) => concat(header(le), ...elements);
const summary = (a: NdArray | undefined) => [a?.dtype, a?.shape, Array.from(a?.data ?? [])];

describe('parseMat', () => {
  it('read a little-endian double matrix, column-major data returned in C order', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    const le = true;
    const bytes = file(
      le,
      matrix(le, {
        cls: mx.DOUBLE,
        dims: [2, 3],
        name: 'a',
        real: [mi.DOUBLE, numbers('f64', [1, 4, 2, 5, 3, 6], le)],
      }),
    );
    expect(summary(parseMat(bytes).a)).toEqual(['float64', [2, 3], [1, 2, 3, 4, 5, 6]]);
  });

  it('read big-endian files and 3-D arrays', () => {
    const le = false;
    const int16 = matrix(le, {
      cls: mx.INT16,
      dims: [2, 2],
      name: 'big_name',
      real: [mi.INT16, numbers('i16', [-1, 300, 2, -32768], le)],
    });
    const cube = matrix(le, {
      cls: mx.DOUBLE,
      dims: [2, 3, 4],
      name: 'cube',
      real: [mi.DOUBLE, numbers('f64', [...Array(24).keys()], le)],
    });
    const out = parseMat(file(le, int16, cube));
    expect(summary(out.big_name)).toEqual(['int16', [2, 2], [-1, 2, 300, -32768]]);
    // Element (i, j, k) is i + 2j + 6k in column-major order and at 12i + 4j + k in C order.
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) expect(out.cube?.data[12 * i + 4 * j + k]).toBe(i + 2 * j + 6 * k);
    }
  });

  it('convert data stored as a narrower type to the class, and refuse values the class cannot hold', () => {
    const le = true;
    const asBytes = matrix(le, {
      cls: mx.DOUBLE,
      dims: [1, 3],
      name: 'd',
      real: [mi.UINT8, Uint8Array.of(0, 7, 255)],
    });
    const asU32 = matrix(le, {
      cls: mx.INT32,
      dims: [1, 2],
      name: 'i',
      real: [mi.UINT32, numbers('u32', [5, 2 ** 31 - 1], le)],
    });
    const out = parseMat(file(le, asBytes, asU32));
    expect(summary(out.d)).toEqual(['float64', [1, 3], [0, 7, 255]]);
    expect(summary(out.i)).toEqual(['int32', [1, 2], [5, 2 ** 31 - 1]]);
    const negative = matrix(le, {
      cls: mx.UINT32,
      dims: [1, 1],
      name: 'u',
      real: [mi.INT32, numbers('i32', [-1], le)],
    });
    expect(formatError(() => parseMat(file(le, negative)))).toMatch(
      /element 0 of 'u' is -1, which its class \(uint32\) cannot hold/,
    );
  });

  it('inflate miCOMPRESSED variables, read logical as bool and int64 as float64', () => {
    const le = true;
    const inner = matrix(le, {
      cls: mx.DOUBLE,
      dims: [2, 1],
      name: 'z',
      real: [mi.DOUBLE, numbers('f64', [0.5, -2], le)],
    });
    const z = zlibSync(inner);
    const compressed = concat(numbers('u32', [mi.COMPRESSED, z.length], le), z); // not padded
    const logical = matrix(le, {
      cls: mx.UINT8,
      flags: 0x0200,
      dims: [1, 2],
      name: 'b',
      real: [mi.UINT8, Uint8Array.of(1, 0)],
    });
    const big = matrix(le, {
      cls: mx.INT64,
      dims: [1, 2],
      name: 'l',
      real: [mi.INT64, numbers('i64', [-(2 ** 53), 2 ** 40], le)],
    });
    const out = parseMat(file(le, compressed, logical, big));
    expect(Object.keys(out)).toEqual(['z', 'b', 'l']);
    expect(summary(out.z)).toEqual(['float64', [2, 1], [0.5, -2]]);
    expect(summary(out.b)).toEqual(['bool', [1, 2], [1, 0]]);
    expect(summary(out.l)).toEqual(['float64', [1, 2], [-(2 ** 53), 2 ** 40]]);
  });

  it('skip char, cell, sparse and complex variables', () => {
    const le = true;
    const text = matrix(le, {
      cls: mx.CHAR,
      dims: [1, 2],
      name: 's',
      real: [mi.UINT8, Uint8Array.of(104, 105)],
    });
    const cell = matrix(le, { cls: mx.CELL, dims: [1, 1], name: 'c', real: [mi.UINT8, new Uint8Array(0)] });
    const sparse = matrix(le, {
      cls: mx.SPARSE,
      dims: [2, 2],
      name: 'sp',
      real: [mi.INT32, numbers('i32', [0], le)],
    });
    const complex = matrix(le, {
      cls: mx.DOUBLE,
      flags: 0x0800,
      dims: [1, 1],
      name: 'cx',
      real: [mi.DOUBLE, numbers('f64', [1], le)],
    });
    const kept = matrix(le, {
      cls: mx.DOUBLE,
      dims: [1, 1],
      name: 'k',
      real: [mi.DOUBLE, numbers('f64', [42], le)],
    });
    expect(Object.keys(parseMat(file(le, text, cell, sparse, complex, kept)))).toEqual(['k']);
  });

  it('refuse files it cannot read, saying what was expected', () => {
    const le = true;
    const x = (real: [number, Uint8Array], dims = [2, 2], name = 'x') =>
      matrix(le, { cls: mx.DOUBLE, dims, name, real });
    expect(formatError(() => parseMat(header(le, 0x0200)))).toMatch(
      /unsupported MAT-file version 0x200 \(a v7.3 file, which is HDF5\)/,
    );
    expect(formatError(() => parseMat(new Uint8Array(128)))).toMatch(
      /not a Level 5 MAT-file: expected the endian indicator 'IM' or 'MI'/,
    );
    expect(formatError(() => parseMat(header(le).subarray(0, 100)))).toMatch(
      /truncated: a Level 5 MAT-file starts with a 128-byte header, the input has 100/,
    );
    expect(formatError(() => parseMat(file(le, x([mi.DOUBLE, numbers('f64', [1, 2, 3], le)]))))).toMatch(
      /'x' has dimensions \[2, 2\] of miDOUBLE, which need 32 bytes; its data holds 24/,
    );
    expect(
      formatError(() =>
        parseMat(file(le, x([mi.DOUBLE, numbers('f64', [1, 2, 3, 4], le)])).subarray(0, 200)),
      ),
    ).toMatch(/truncated: a variable at offset 128 declares 80 bytes, 64 are left/);
    expect(formatError(() => parseMat(file(le, element(le, mi.INT8, Uint8Array.of(1)))))).toMatch(
      /expected a miMATRIX \(14\) or miCOMPRESSED \(15\) element at offset 128, got type 1/,
    );
    const badZlib = concat(numbers('u32', [mi.COMPRESSED, 4], le), Uint8Array.of(1, 2, 3, 4));
    expect(formatError(() => parseMat(file(le, badZlib)))).toMatch(
      /the compressed variable at offset 128 is corrupt/,
    );
    const oneDim = x([mi.DOUBLE, numbers('f64', [1], le)], [1]);
    expect(formatError(() => parseMat(file(le, oneDim)))).toMatch(/needs at least two miINT32 dimensions/);
    const text = x([mi.UINT8 + 14, Uint8Array.of(1)], [1, 1]);
    expect(formatError(() => parseMat(file(le, text)))).toMatch(
      /the data of 'x' has type 16, not a numeric type/,
    );
    const twice = x([mi.DOUBLE, numbers('f64', [1], le)], [1, 1]);
    expect(formatError(() => parseMat(file(le, twice, twice)))).toMatch(/two variables are named 'x'/);
    // 2^31 − 1 × 2^31 − 1 doubles claimed over 8 bytes: refused before anything is allocated.
    const huge = x([mi.DOUBLE, numbers('f64', [1], le)], [2 ** 31 - 1, 2 ** 31 - 1]);
    expect(formatError(() => parseMat(file(le, huge)))).toMatch(
      /'x' has dimensions \[2147483647, 2147483647\] of miDOUBLE/,
    );
  });
});

describe('encodeMat', () => {
  const rng = new Rng(5);
  const arrays: Record<string, NdArray> = {
    f64: { dtype: 'float64', shape: [3, 4], data: Float64Array.from({ length: 12 }, () => rng.normal()) },
    f32: { dtype: 'float32', shape: [2, 3, 2], data: Float32Array.from({ length: 12 }, () => rng.normal()) },
    i8: { dtype: 'int8', shape: [4, 1], data: Int8Array.from([-128, -1, 0, 127]) },
    u8: { dtype: 'uint8', shape: [2, 2], data: Uint8Array.from([0, 1, 128, 255]) },
    i16: { dtype: 'int16', shape: [1, 3], data: Int16Array.from([-32768, 5, 32767]) },
    u16: { dtype: 'uint16', shape: [3, 1], data: Uint16Array.from([0, 1000, 65535]) },
    i32: { dtype: 'int32', shape: [2, 2], data: Int32Array.from([-(2 ** 31), -1, 1, 2 ** 31 - 1]) },
    u32: { dtype: 'uint32', shape: [1, 2], data: Uint32Array.from([0, 2 ** 32 - 1]) },
    flags: { dtype: 'bool', shape: [2, 3], data: Uint8Array.from([1, 0, 0, 1, 1, 0]) },
    empty: { dtype: 'float64', shape: [0, 3], data: new Float64Array(0) },
    faces: {
      dtype: 'float64',
      shape: [64, 40],
      data: Float64Array.from({ length: 2560 }, (_, i) => (i % 97) / 96),
    },
  };

  it('round-trip every dtype bit for bit, compressed or not', () => {
    for (const compress of [false, true]) {
      const back = parseMat(encodeMat(arrays, { compress }));
      expect(Object.keys(back)).toEqual(Object.keys(arrays));
      for (const [name, a] of Object.entries(arrays)) {
        const b = back[name]!;
        expect([b.dtype, b.shape]).toEqual([a.dtype, a.shape]);
        const bits = (x: NdArray) =>
          Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
        expect(bits(b)).toEqual(bits(a));
      }
    }
  });

  it('write the layout of the format document: header, tags, column-major data', () => {
    const bytes = encodeMat({
      m: { dtype: 'float64', shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) },
    });
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 10))).toBe('MATLAB 5.0');
    expect([view.getUint16(124, true), String.fromCharCode(bytes[126]!, bytes[127]!)]).toEqual([
      0x0100,
      'IM',
    ]);
    expect([view.getUint32(128, true), view.getUint32(132, true)]).toEqual([mi.MATRIX, 16 + 16 + 8 + 40]);
    expect([view.getUint32(136, true), view.getUint32(140, true), view.getUint32(144, true)]).toEqual([
      mi.UINT32,
      8,
      mx.DOUBLE,
    ]);
    expect([
      view.getUint32(152, true),
      view.getUint32(156, true),
      view.getInt32(160, true),
      view.getInt32(164, true),
    ]).toEqual([mi.INT32, 8, 2, 2]);
    expect([view.getUint16(168, true), view.getUint16(170, true), bytes[172]]).toEqual([
      mi.INT8,
      1,
      'm'.charCodeAt(0),
    ]);
    expect([view.getUint32(176, true), view.getUint32(180, true)]).toEqual([mi.DOUBLE, 32]);
    expect([0, 1, 2, 3].map((i) => view.getFloat64(184 + 8 * i, true))).toEqual([1, 3, 2, 4]);
    expect(bytes.length).toBe(184 + 32);
  });

  it('give 1-D and scalar arrays MATLAB’s two dimensions, and refuse bad names', () => {
    const out = parseMat(
      encodeMat({
        v: { dtype: 'int32', shape: [3], data: Int32Array.from([1, 2, 3]) },
        s: { dtype: 'float64', shape: [], data: Float64Array.of(9) },
      }),
    );
    expect(summary(out.v)).toEqual(['int32', [1, 3], [1, 2, 3]]);
    expect(summary(out.s)).toEqual(['float64', [1, 1], [9]]);
    expect(formatError(() => encodeMat({ '2x': arrays.u8! }))).toMatch(/'2x' is not a MATLAB variable name/);
    expect(
      formatError(() => encodeMat({ ok: { dtype: 'uint8', shape: [2], data: new Uint8Array(3) } })),
    ).toMatch(/array 'ok' has shape \[2\] \(2 elements\) but 3 values/);
  });
});

const SCIPY_DATA = pythonFile('scipy/io/matlab/tests/data');
const scipyMat = (name: string) => parseMat(readFileSync(join(SCIPY_DATA!, name)));
// MATLAB's 0:pi/4:2*pi, which scipy reads as k·π/4 exactly.
const THETA = Array.from({ length: 9 }, (_, k) => (k * Math.PI) / 4);

// Files MATLAB wrote (scipy's test data); expected values are what scipy.io.loadmat(..., mat_dtype=True) reads.
describe.skipIf(SCIPY_DATA === undefined)('parseMat on MAT-files MATLAB wrote', () => {
  it('read doubles from v6.1 big-endian (Solaris) and v7.4 compressed files', () => {
    for (const name of [
      'testdouble_6.1_SOL2.mat',
      'testdouble_6.5.1_GLNX86.mat',
      'testdouble_7.4_GLNX86.mat',
    ]) {
      expect(summary(scipyMat(name).testdouble)).toEqual(['float64', [1, 9], THETA]);
    }
  });

  it('convert a double matrix stored as miUINT8 and return 3-D arrays in C order', () => {
    const m = [1, 2, 3, 4, 5, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0];
    expect(summary(scipyMat('testmatrix_6.1_SOL2.mat').testmatrix)).toEqual(['float64', [3, 5], m]);
    expect(summary(scipyMat('testmatrix_7.4_GLNX86.mat').testmatrix)).toEqual(['float64', [3, 5], m]);
    const cube = [1, 7, 13, 19, 3, 9, 15, 21, 5, 11, 17, 23, 2, 8, 14, 20, 4, 10, 16, 22, 6, 12, 18, 24];
    expect(summary(scipyMat('test3dmatrix_6.1_SOL2.mat').test3dmatrix)).toEqual(['float64', [2, 3, 4], cube]);
    expect(summary(scipyMat('test3dmatrix_7.4_GLNX86.mat').test3dmatrix)).toEqual([
      'float64',
      [2, 3, 4],
      cube,
    ]);
    const multi = scipyMat('testmulti_7.4_GLNX86.mat');
    expect([summary(multi.a), multi.theta?.data.length]).toEqual([['float64', [3, 5], m], 9]);
  });

  it('read singles, logicals and negative numbers; skip cells, structs, strings, sparse and complex', () => {
    expect(summary(scipyMat('big_endian.mat').floats)).toEqual(['float32', [2, 2], [2, 3, 3, 4]]);
    expect(Object.keys(scipyMat('little_endian.mat'))).toEqual(['floats']); // 'strings' is a cell
    expect(summary(scipyMat('testbool_8_WIN64.mat').testbools)).toEqual(['bool', [2, 1], [1, 0]]);
    expect(summary(scipyMat('testminus_7.4_GLNX86.mat').testminus)).toEqual(['float64', [1, 1], [-1]]);
    // Class int64 (stored as miINT64): float64, exact within ±2^53.
    expect(summary(scipyMat('miuint32_for_miint32.mat').an_array)).toEqual([
      'float64',
      [1, 10],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ]);
    const mixed = scipyMat('some_functions.mat'); // three scalars beside function handles and subsystem data
    expect(Object.fromEntries(Object.entries(mixed).map(([k, v]) => [k, Array.from(v.data)]))).toEqual({
      a: [-3.9],
      b: [52],
      c: [0],
    });
    const skip = scipyMat('test_skip_variable.mat');
    expect([Object.keys(skip), skip.first?.shape, skip.first?.data[0]]).toEqual([['first'], [100, 100], 0]);
    expect(skip.first?.data[99 * 100 + 99]).toBe(0.2622585652660691);
    expect(Array.from(skip.first!.data).reduce((s, v) => s + v, 0)).toBeCloseTo(1234.411899511938, 9);
    for (const name of [
      'testcomplex_7.4_GLNX86.mat',
      'testsparse_7.4_GLNX86.mat',
      'teststring_7.4_GLNX86.mat',
      'teststruct_7.4_GLNX86.mat',
      'testcell_6.1_SOL2.mat',
    ]) {
      expect(scipyMat(name)).toEqual({});
    }
  });

  it('refuse v4 and v7.3 (HDF5) files and corrupt compressed data', () => {
    expect(formatError(() => scipyMat('testmulti_4.2c_SOL2.mat'))).toMatch(/not a Level 5 MAT-file/);
    expect(formatError(() => scipyMat('testdouble_4.2c_SOL2.mat'))).toMatch(
      /truncated: a Level 5 MAT-file starts with a 128-byte header, the input has 103/,
    );
    expect(formatError(() => scipyMat('testhdf5_7.4_GLNX86.mat'))).toMatch(/v7.3 file, which is HDF5/);
    expect(formatError(() => scipyMat('corrupted_zlib_data.mat'))).toMatch(
      /the compressed variable at offset 222 is corrupt \(unexpected EOF\)/,
    );
    expect(formatError(() => scipyMat('corrupted_zlib_checksum.mat'))).toMatch(
      /the compressed variable at offset 128 is corrupt \(its Adler-32 checksum does not match\)/,
    );
  });
});
