import { readFileSync } from 'node:fs';
import { Rng } from '@cnn/core';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { dataViewBytes as bytesOf, formatError, pythonFile } from '../../test/helpers';
import type { NdArray } from './ndarray';
import { encodeNpy, parseNpy } from './npy';

/**
 * An .npy file as the format spec lays it out: magic, version, little-endian header length (2 bytes in
 * 1.0, 4 in 2.0/3.0), the dict text padded with spaces and a newline to a multiple of `align`, the data.
 */
function npy(dict: string, data: Uint8Array | number[], { version = 1, align = 64 } = {}): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const header = new TextEncoder().encode(dict);
  const pad = (align - ((prefix + header.length + 1) % align)) % align;
  const length = header.length + pad + 1;
  const out = new Uint8Array(prefix + length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, length, true);
  else view.setUint32(8, length, true);
  out.set(header, prefix);
  out.fill(0x20, prefix + header.length, prefix + length - 1);
  out[prefix + length - 1] = 0x0a;
  out.set(data, prefix + length);
  return out;
}

const f4le = (xs: number[]) => bytesOf(xs, 4, (v, at, x) => v.setFloat32(at, x, true));
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

describe('parseNpy', () => {
  it("read the header numpy writes, {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", () => {
    const file = npy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      f4le([0, 1.5, 2, -3, 4, 5]),
    );
    const a = parseNpy(file);
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1.5, 2, -3, 4, 5]);
    expect(a.data.buffer).toBe(file.buffer); // aligned little-endian data: a view, no copy
  });

  it('read shapes (3,), () and (0, 2), Python 2 longs, and old 16-byte-aligned headers', () => {
    const one = parseNpy(
      npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [7, 8, 9], { align: 16 }),
    );
    expect([one.dtype, one.shape, Array.from(one.data)]).toEqual(['uint8', [3], [7, 8, 9]]);
    const scalar = parseNpy(
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", hex('0000000000001e40')),
    );
    expect([scalar.shape, Array.from(scalar.data)]).toEqual([[], [7.5]]);
    const empty = parseNpy(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 2), }", []));
    expect([empty.dtype, empty.shape, empty.data.length]).toEqual(['int32', [0, 2], 0]);
    const py2 = parseNpy(
      npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }", [1, 0, 0xff, 0xff]),
    );
    expect([py2.shape, Array.from(py2.data)]).toEqual([[2], [1, -1]]);
    const dq = parseNpy(npy('{"shape": (1,), "fortran_order": False, "descr": "|b1"}', [1]));
    expect([dq.dtype, Array.from(dq.data)]).toEqual(['bool', [1]]);
  });

  it('return Fortran-order data in C order', () => {
    // a = [[1, 2, 3], [4, 5, 6]] stored column by column: 1 4 2 5 3 6.
    const file = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4le([1, 4, 2, 5, 3, 6]));
    expect(Array.from(parseNpy(file).data)).toEqual([1, 2, 3, 4, 5, 6]);
    // 3-D: element (i, j, k) of shape (2, 3, 2) sits at i + 2j + 6k in Fortran order, at 6i + 2j + k in C order.
    const fortran = Array.from({ length: 12 }, (_, f) => f);
    const c = parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 2), }", f4le(fortran)));
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 2; k++) expect(c.data[6 * i + 2 * j + k]).toBe(i + 2 * j + 6 * k);
    }
  });

  it('byte-swap big-endian data', () => {
    const i4 = parseNpy(
      npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]),
    );
    expect(Array.from(i4.data)).toEqual([258, -2]);
    const f8 = bytesOf([Math.E, -0.5], 8, (v, at, x) => v.setFloat64(at, x, false));
    expect(
      Array.from(parseNpy(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f8)).data),
    ).toEqual([Math.E, -0.5]);
    const u2 = parseNpy(
      npy("{'descr': '>u2', 'fortran_order': True, 'shape': (1, 2), }", [0x12, 0x34, 0xab, 0xcd]),
    );
    expect([u2.dtype, Array.from(u2.data)]).toEqual(['uint16', [0x1234, 0xabcd]]);
  });

  it('read 64-bit integers as float64 within ±2^53 and refuse the rest', () => {
    const big = (xs: bigint[], le = true) => {
      const out = new Uint8Array(8 * xs.length);
      xs.forEach((x, i) => {
        new DataView(out.buffer).setBigInt64(8 * i, x, le);
      });
      return out;
    };
    const ok = parseNpy(
      npy(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }",
        big([-(2n ** 53n), 2n ** 53n, -1n, 5n]),
      ),
    );
    expect([ok.dtype, Array.from(ok.data)]).toEqual(['float64', [-(2 ** 53), 2 ** 53, -1, 5]]);
    const be = parseNpy(
      npy("{'descr': '>u8', 'fortran_order': False, 'shape': (1,), }", big([2n ** 40n + 3n], false)),
    );
    expect(Array.from(be.data)).toEqual([2 ** 40 + 3]);
    expect(
      formatError(() =>
        parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", big([0n, 2n ** 53n + 1n]))),
      ),
    ).toMatch(/int64 element 1 is beyond ±2\^53/);
    expect(
      formatError(() =>
        parseNpy(npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", big([-1n]))),
      ),
    ).toMatch(/uint64 element 0 is beyond ±2\^53/);
  });

  it('read format 2.0 and 3.0 headers and gzipped files', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    expect(Array.from(parseNpy(npy(dict, f4le([1, 2]), { version: 2 })).data)).toEqual([1, 2]);
    expect(Array.from(parseNpy(npy(dict, f4le([3, 4]), { version: 3 })).data)).toEqual([3, 4]);
    expect(Array.from(parseNpy(gzipSync(npy(dict, f4le([5, 6])))).data)).toEqual([5, 6]);
  });

  it('refuse bad files with a FormatError naming the problem', () => {
    const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    const bad = (dict: string, data: number[] | Uint8Array = f4le([1, 2])) =>
      formatError(() => parseNpy(npy(dict, data)));
    expect(formatError(() => parseNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0)))).toMatch(
      /not an .npy file: expected the magic string \\x93NUMPY, got 147 78 85 77 80 88/,
    );
    const v4 = npy(ok, f4le([1, 2]));
    v4[6] = 4;
    expect(formatError(() => parseNpy(v4))).toMatch(/unsupported format version 4.0/);
    expect(formatError(() => parseNpy(npy(ok, f4le([1, 2])).subarray(0, 40)))).toMatch(
      /truncated: expected 118 bytes of the header at offset 10/,
    );
    expect(formatError(() => parseNpy(npy(ok, f4le([1]))))).toMatch(
      /truncated: shape \(2\) of '<f4' needs 8 data bytes after the 128-byte header, the file has 4/,
    );
    expect(formatError(() => parseNpy(npy(ok, f4le([1, 2, 3]))))).toMatch(
      /trailing bytes: shape \(2\) of '<f4' needs 8/,
    );
    expect(bad("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }")).toMatch(
      /unsupported dtype '<c8'; parseNpy reads bool/,
    );
    expect(bad("{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }")).toMatch(
      /unsupported dtype '<U2'/,
    );
    expect(bad("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")).toMatch(
      /unsupported dtype '\|O'/,
    );
    expect(bad("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }")).toMatch(
      /unsupported dtype '<f2'/,
    );
    expect(bad("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }")).toMatch(
      /structured \(record\) dtypes are not supported/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }")).toMatch(
      /shape must be a tuple of non-negative integers/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }")).toMatch(
      /shape must be a tuple/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }")).toMatch(/shape must be a tuple/);
    expect(bad("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }")).toMatch(
      /fortran_order must be True or False/,
    );
    expect(bad("{'descr': '<f4', 'shape': (2,), }")).toMatch(
      /exactly the keys descr, fortran_order, shape; got descr, shape/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}")).toMatch(
      /got descr, fortran_order, shape, x/,
    );
    expect(bad("{'descr': '<f4', 'descr': '<f4', 'shape': (2,), }")).toMatch(/key 'descr' appears twice/);
    expect(bad("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }")).toMatch(
      /bad header dictionary: expected ',' or '}' at character 17/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x")).toMatch(
      /expected only padding after the dictionary/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }")).toMatch(
      /expected ',' or '\)'/,
    );
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }")).toMatch(
      /expected a string, number/,
    );
    expect(
      bad(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(40)}2,${')'.repeat(40)}, }`),
    ).toMatch(/nested too deeply/);
    // A shape of 2^31 × 2^31 float32 with 8 data bytes: refused before any allocation.
    expect(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }")).toMatch(
      /truncated: shape/,
    );
  });
});

describe('encodeNpy', () => {
  it('write the bytes numpy 2.4 np.save writes', () => {
    // Headers as numpy pads them (118 bytes here: 21-digit growth room, then to a multiple of 64), data
    // as np.save wrote it (hex).
    const cases: [NdArray, string, string][] = [
      [
        { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5]) },
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        '000000000000803f0000004000004040000080400000a040',
      ],
      [
        { dtype: 'int16', shape: [3], data: Int16Array.from([1, -2, 3]) },
        "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }",
        '0100feff0300',
      ],
      [
        { dtype: 'float64', shape: [], data: Float64Array.of(7.5) },
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
        '0000000000001e40',
      ],
      [
        { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) },
        "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
        '0100',
      ],
    ];
    for (const [array, dict, data] of cases) {
      const growth = array.shape.length > 0 ? ' '.repeat(21 - String(array.shape[0]).length) : '';
      const expected = npy(dict + growth, hex(data));
      expect(expected.length - data.length / 2).toBe(128);
      expect(Array.from(encodeNpy(array))).toEqual(Array.from(expected));
    }
  });

  it('round-trip every dtype bit for bit', () => {
    const rng = new Rng(11);
    const n = 24;
    const arrays: NdArray[] = [
      { dtype: 'uint8', shape: [4, 6], data: Uint8Array.from({ length: n }, () => rng.int(256)) },
      { dtype: 'int8', shape: [2, 3, 4], data: Int8Array.from({ length: n }, () => rng.int(256)) },
      { dtype: 'uint16', shape: [n], data: Uint16Array.from({ length: n }, () => rng.int(65536)) },
      { dtype: 'int16', shape: [1, n], data: Int16Array.from({ length: n }, () => rng.int(65536)) },
      { dtype: 'uint32', shape: [n, 1], data: Uint32Array.from({ length: n }, () => rng.uint32()) },
      { dtype: 'int32', shape: [3, 8], data: Int32Array.from({ length: n }, () => rng.uint32() | 0) },
      {
        dtype: 'float32',
        shape: [2, 12],
        data: Float32Array.from({ length: n }, (_, i) => (i === 0 ? Number.NaN : rng.normal())),
      },
      {
        dtype: 'float64',
        shape: [2, 2, 2, 3],
        data: Float64Array.from({ length: n }, (_, i) => (i === 1 ? -0 : rng.normal() * 1e200)),
      },
      { dtype: 'bool', shape: [n], data: Uint8Array.from({ length: n }, () => rng.int(2)) },
      { dtype: 'float32', shape: [0], data: new Float32Array(0) },
    ];
    for (const a of arrays) {
      const back = parseNpy(encodeNpy(a));
      expect([back.dtype, back.shape]).toEqual([a.dtype, a.shape]);
      const bits = (x: NdArray) =>
        Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
      expect(bits(back)).toEqual(bits(a));
    }
  });

  it('refuse arrays whose parts disagree', () => {
    expect(formatError(() => encodeNpy({ dtype: 'int32', shape: [2, -1], data: new Int32Array(2) }))).toMatch(
      /npy: the array needs a shape of non-negative integers, got 2,-1/,
    );
    const bad = { dtype: 'complex64', shape: [1], data: new Float32Array(2) } as unknown as NdArray;
    expect(formatError(() => encodeNpy(bad))).toMatch(/has dtype complex64; expected one of uint8/);
  });
});

const PY3 = pythonFile('numpy/lib/tests/data/python3.npy');
const PY2 = pythonFile('numpy/lib/tests/data/win64python2.npy');
const FORTRAN = pythonFile('scipy/stats/tests/data/rel_breitwigner_pdf_sample_data_ROOT.npy');

describe('parseNpy on files numpy wrote', () => {
  it.skipIf(PY3 === undefined || PY2 === undefined)(
    "read numpy's python3.npy and win64python2.npy (shape (2L,))",
    () => {
      for (const path of [PY3!, PY2!]) {
        const a = parseNpy(readFileSync(path));
        expect([a.dtype, a.shape, Array.from(a.data)]).toEqual(['float64', [2], [1, 1]]);
      }
    },
  );

  it.skipIf(FORTRAN === undefined)("read scipy's Fortran-order (1203, 4) float64 test data", () => {
    const a = parseNpy(readFileSync(FORTRAN!));
    expect([a.dtype, a.shape]).toEqual(['float64', [1203, 4]]);
    // Rows as numpy's np.load(...)[i].tolist() prints them.
    const row = (i: number) => Array.from(a.data.subarray(4 * i, 4 * i + 4));
    expect(row(0)).toEqual([0.0, 0.00019094608071070962, 36.545206797050334, 2.4952]);
    expect(row(1)).toEqual([0.5, 0.00019095755441600227, 36.545206797050334, 2.4952]);
    expect(row(1202)).toEqual([200.0, 2.1908382189156793e-8, 96292.3076923077, 0.0013]);
    expect(Array.from(a.data).reduce((s, x) => s + x, 0)).toBeCloseTo(38765470.184627846, 4);
  });
});
