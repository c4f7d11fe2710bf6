import { Rng } from '@cnn/core';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { dataViewBytes as bigEndian, formatError } from '../../test/helpers';
import { encodeIdx, idxImageSet, parseIdx } from './idx';
import type { DType, NdArray } from './ndarray';

/** An IDX file written by hand: magic, type byte, ndims, big-endian dims, then `data` as given. */
function idxFile(type: number, dims: number[], data: number[] | Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint8(2, type);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, header);
  return out;
}

describe('parseIdx', () => {
  it('read a hand-built MNIST-style ubyte file as a view of its bytes', () => {
    const pixels = Array.from({ length: 24 }, (_, i) => (i * 11) % 256);
    const file = idxFile(0x08, [2, 3, 4], pixels);
    const a = parseIdx(file);
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(pixels);
    // Element (i, y, x) sits at (i*3 + y)*4 + x: image 1, row 2, column 3 is the last byte.
    expect(a.data[(1 * 3 + 2) * 4 + 3]).toBe(pixels[23]);
    expect(a.data.buffer).toBe(file.buffer);
  });

  it('read every IDX element type, big-endian, from hand-written bytes', () => {
    const cases: [number, DType, number[], Uint8Array][] = [
      [0x09, 'int8', [-128, -1, 127], Uint8Array.from([0x80, 0xff, 0x7f])],
      [
        0x0b,
        'int16',
        [-2, 300, 32767],
        bigEndian([-2, 300, 32767], 2, (v, at, x) => v.setInt16(at, x, false)),
      ],
      [
        0x0c,
        'int32',
        [-1, 2 ** 31 - 1],
        bigEndian([-1, 2 ** 31 - 1], 4, (v, at, x) => v.setInt32(at, x, false)),
      ],
      [0x0d, 'float32', [1.5, -0.25], bigEndian([1.5, -0.25], 4, (v, at, x) => v.setFloat32(at, x, false))],
      [
        0x0e,
        'float64',
        [Math.PI, -1e300],
        bigEndian([Math.PI, -1e300], 8, (v, at, x) => v.setFloat64(at, x, false)),
      ],
    ];
    for (const [type, dtype, values, bytes] of cases) {
      const a = parseIdx(idxFile(type, [values.length], bytes));
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual([values.length]);
      expect(Array.from(a.data)).toEqual(values);
    }
    // 0x0B int16 0x0102 is 258, not 513: the data are big-endian.
    expect(Array.from(parseIdx(idxFile(0x0b, [1], [0x01, 0x02])).data)).toEqual([258]);
  });

  it('inflate a gzipped file (as MNIST is distributed)', () => {
    const file = idxFile(0x08, [3], [7, 8, 9]);
    expect(Array.from(parseIdx(gzipSync(file)).data)).toEqual([7, 8, 9]);
    expect(parseIdx(file.buffer.slice(0) as ArrayBuffer).shape).toEqual([3]);
  });

  it('refuse bad bytes with a FormatError saying what was expected', () => {
    expect(formatError(() => parseIdx(idxFile(0x08, [1], [1]).fill(1, 0, 1)))).toMatch(
      /idx: not an IDX file: the magic number starts with two zero bytes, got 0x01 0x00/,
    );
    expect(formatError(() => parseIdx(idxFile(0x0a, [1], [1])))).toMatch(
      /unknown element type 0x0a; expected one of 0x08 uint8/,
    );
    expect(formatError(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 3, 0, 0])))).toMatch(
      /truncated: expected 4 bytes of dimension 1 at offset 8, the input has 10/,
    );
    expect(formatError(() => parseIdx(idxFile(0x08, [2, 3], [1, 2, 3, 4, 5])))).toMatch(
      /truncated: shape \[2, 3\] of uint8 needs 6 data bytes after the 12-byte header, the file has 5/,
    );
    expect(formatError(() => parseIdx(idxFile(0x0c, [1], [0, 0, 0, 1, 9])))).toMatch(
      /trailing bytes: shape \[1\] of int32 needs 4/,
    );
    expect(formatError(() => parseIdx(new Uint8Array(0)))).toMatch(
      /truncated: expected 1 bytes of the magic number/,
    );
    // A header claiming 2^31 × 2^31 doubles with 8 data bytes: refused before anything is allocated.
    expect(formatError(() => parseIdx(idxFile(0x0e, [2 ** 31, 2 ** 31], new Uint8Array(8))))).toMatch(
      new RegExp(`truncated: shape \\[2147483648, 2147483648\\] of float64 needs ${2 ** 65} data bytes`),
    );
  });
});

describe('encodeIdx', () => {
  it('write the header LeCun describes, byte for byte', () => {
    const file = encodeIdx({ dtype: 'int16', shape: [2, 1], data: Int16Array.from([258, -1]) });
    expect(Array.from(file)).toEqual([0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0x01, 0x02, 0xff, 0xff]);
  });

  it('round-trip every IDX type bit for bit', () => {
    const rng = new Rng(7);
    const arrays: NdArray[] = [
      { dtype: 'uint8', shape: [3, 4, 5], data: Uint8Array.from({ length: 60 }, () => rng.int(256)) },
      { dtype: 'int8', shape: [7], data: Int8Array.from({ length: 7 }, () => rng.int(256) - 128) },
      { dtype: 'int16', shape: [2, 3], data: Int16Array.from({ length: 6 }, () => rng.int(65536) - 32768) },
      { dtype: 'int32', shape: [5, 1], data: Int32Array.from({ length: 5 }, () => rng.uint32() | 0) },
      { dtype: 'float32', shape: [4], data: Float32Array.from([Number.NaN, -0, Infinity, rng.normal()]) },
      {
        dtype: 'float64',
        shape: [2, 2, 1],
        data: Float64Array.from([-0, Number.MIN_VALUE, rng.normal(), 1e308]),
      },
      { dtype: 'float64', shape: [0, 3], data: new Float64Array(0) },
      { dtype: 'uint8', shape: [], data: Uint8Array.of(42) },
    ];
    for (const a of arrays) {
      const back = parseIdx(encodeIdx(a));
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      const bits = (x: NdArray) =>
        Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
      expect(bits(back)).toEqual(bits(a));
    }
    const bools = parseIdx(encodeIdx({ dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) }));
    expect([bools.dtype, Array.from(bools.data)]).toEqual(['uint8', [1, 0, 1]]);
  });

  it('refuse types and arrays IDX cannot hold', () => {
    expect(formatError(() => encodeIdx({ dtype: 'uint16', shape: [1], data: new Uint16Array(1) }))).toMatch(
      /IDX has no uint16 type; it holds uint8, int8, int16, int32, float32, float64/,
    );
    expect(formatError(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) }))).toMatch(
      /shape \[2, 2\] \(4 elements\) but 3 values/,
    );
    const wrong = { dtype: 'float32', shape: [1], data: new Float64Array(1) } as unknown as NdArray;
    expect(formatError(() => encodeIdx(wrong))).toMatch(/its data must be a Float32Array, got Float64Array/);
  });
});

describe('idxImageSet', () => {
  const classes = ['a', 'b', 'c'];
  const images = idxFile(
    0x08,
    [3, 2, 2],
    Array.from({ length: 12 }, (_, i) => 10 * i),
  );

  it('pair images with labels as an NHWC set', () => {
    const set = idxImageSet(images, idxFile(0x08, [3], [0, 2, 1]), classes);
    expect(set.shape).toEqual([3, 2, 2, 1]);
    expect(set.labels).toEqual(Int32Array.of(0, 2, 1));
    expect(set.classes).toBe(classes);
    // Pixel (x=1, y=0) of image 2 is byte 2*4 + 0*2 + 1 of the data.
    expect(set.images[((2 * 2 + 0) * 2 + 1) * 1 + 0]).toBe(10 * 9);
  });

  it('refuse sets whose parts disagree, naming both counts', () => {
    expect(formatError(() => idxImageSet(images, idxFile(0x08, [2], [0, 1]), classes))).toMatch(
      /the image file holds 3 images but the label file 2 labels/,
    );
    expect(formatError(() => idxImageSet(images, idxFile(0x08, [3], [0, 5, 1]), classes))).toMatch(
      /label 5 of image 1 is not a class index in \[0, 3\)/,
    );
    expect(formatError(() => idxImageSet(idxFile(0x08, [12], new Uint8Array(12)), images, classes))).toMatch(
      /images must be a 3-D uint8 array \[n, height, width\], got uint8 \[12\]/,
    );
    expect(formatError(() => idxImageSet(images, idxFile(0x08, [3, 1], [0, 1, 2]), classes))).toMatch(
      /labels must be a 1-D integer array, got uint8 \[3, 1\]/,
    );
    expect(formatError(() => idxImageSet(images, idxFile(0x09, [3], [0, 0xff, 1]), classes))).toMatch(
      /label -1 of image 1/,
    );
  });
});
