import { unzlibSync, zlibSync } from 'fflate';
import type { Bytes } from '../bytes';
import { maybeGunzip } from '../bytes';
import { FormatError } from '../errors';
import {
  allocate,
  checkNdArray,
  concatBytes,
  cToFortran,
  type DType,
  elementBytes,
  fortranToC,
  int64ToFloat64,
  type NdArray,
  ndarray,
  readElements,
  shapeSize,
  type TypedArray,
} from './ndarray';

// Data types of element tags (miINT8 …) and the numeric ones' element types; 64-bit integers become float64.
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MI_UTF8 = 16;
const MI_INT64 = 12;
const MI_UINT64 = 13;
const MI_NUMERIC: Readonly<Record<number, { dtype: DType; size: number; name: string }>> = {
  1: { dtype: 'int8', size: 1, name: 'miINT8' },
  2: { dtype: 'uint8', size: 1, name: 'miUINT8' },
  3: { dtype: 'int16', size: 2, name: 'miINT16' },
  4: { dtype: 'uint16', size: 2, name: 'miUINT16' },
  5: { dtype: 'int32', size: 4, name: 'miINT32' },
  6: { dtype: 'uint32', size: 4, name: 'miUINT32' },
  7: { dtype: 'float32', size: 4, name: 'miSINGLE' },
  9: { dtype: 'float64', size: 8, name: 'miDOUBLE' },
  12: { dtype: 'float64', size: 8, name: 'miINT64' },
  13: { dtype: 'float64', size: 8, name: 'miUINT64' },
};
// Array classes (mxDOUBLE_CLASS = 6 …) read, and the element type each becomes.
const CLASS_DTYPE: Readonly<Record<number, DType>> = {
  6: 'float64',
  7: 'float32',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'float64',
  15: 'float64',
};
const COMPLEX_FLAG = 0x0800;
const LOGICAL_FLAG = 0x0200;
const MX_UINT8 = 9;

/** A data element: its type, its data bytes, and where the next element starts. */
interface Element {
  readonly type: number;
  readonly data: Uint8Array;
  readonly next: number;
}

const padded = (n: number) => Math.ceil(n / 8) * 8;

/** The element at `at`, in either tag form; `pad` rounds `next` up to 8 bytes (all but compressed ones). */
function element(buf: Uint8Array, at: number, le: boolean, what: string, pad = true): Element {
  if (buf.length - at < 8) {
    throw new FormatError(
      'mat',
      `truncated: expected the 8-byte tag of ${what} at offset ${at}, ${buf.length - at} bytes are left`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset + at, 8);
  const word = view.getUint32(0, le);
  if (word >>> 16 !== 0) {
    // Small data element: type and size (≤ 4) share the first word, the data the second.
    const size = word >>> 16;
    if (size > 4)
      throw new FormatError(
        'mat',
        `the small element of ${what} at offset ${at} claims ${size} bytes (at most 4)`,
      );
    return { type: word & 0xffff, data: buf.subarray(at + 4, at + 4 + size), next: at + 8 };
  }
  const size = view.getUint32(4, le);
  if (size > buf.length - at - 8) {
    throw new FormatError(
      'mat',
      `truncated: ${what} at offset ${at} declares ${size} bytes, ${buf.length - at - 8} are left`,
    );
  }
  const end = at + 8 + size;
  return {
    type: word,
    data: buf.subarray(at + 8, end),
    next: pad ? Math.min(at + 8 + padded(size), buf.length) : end,
  };
}

/** `values` (of `from`) as `to`, refusing any value the class cannot hold exactly (e.g. a negative int as uint32). */
function convert(values: TypedArray, from: DType, to: DType, name: string): TypedArray {
  if (from === to || (from === 'uint8' && to === 'bool')) return values;
  const out = allocate(to, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v;
    if (out[i] !== v && !(Number.isNaN(v) && Number.isNaN(out[i]))) {
      throw new FormatError('mat', `element ${i} of '${name}' is ${v}, which its class (${to}) cannot hold`);
    }
  }
  return out;
}

/** Adler-32 of `data` (zlib's checksum, which fflate does not verify). */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    // 5552 bytes is the most that can be summed before b may exceed 2^32.
    for (const end = Math.min(i + 5552, data.length); i < end; i++) b += a += data[i]!;
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

/** The inflated zlib stream of a miCOMPRESSED element, its checksum verified. */
function inflate(data: Uint8Array, at: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = unzlibSync(data);
  } catch (error) {
    throw new FormatError(
      'mat',
      `the compressed variable at offset ${at} is corrupt (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  const stored =
    data.length >= 4
      ? new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, false)
      : -1;
  if (stored !== adler32(out)) {
    throw new FormatError(
      'mat',
      `the compressed variable at offset ${at} is corrupt (its Adler-32 checksum does not match)`,
    );
  }
  return out;
}

/** One numeric matrix (`[name, array]`), or undefined for classes this reader skips. */
function matrix(buf: Uint8Array, le: boolean, at: number): [string, NdArray] | undefined {
  const flags = element(buf, 0, le, `the array flags of the matrix at offset ${at}`);
  if (flags.type !== MI_UINT32 || flags.data.length !== 8) {
    throw new FormatError(
      'mat',
      `the matrix at offset ${at} must start with 8 bytes of miUINT32 array flags`,
    );
  }
  const word = new DataView(flags.data.buffer, flags.data.byteOffset, 8).getUint32(0, le);
  const cls = word & 0xff;
  const classDtype = CLASS_DTYPE[cls];
  if (classDtype === undefined || word & COMPLEX_FLAG) return undefined;
  const dims = element(buf, flags.next, le, `the dimensions of the matrix at offset ${at}`);
  if (
    (dims.type !== MI_INT32 && dims.type !== MI_UINT32) ||
    dims.data.length < 8 ||
    dims.data.length % 4 !== 0
  ) {
    throw new FormatError('mat', `the matrix at offset ${at} needs at least two miINT32 dimensions`);
  }
  const dimView = new DataView(dims.data.buffer, dims.data.byteOffset, dims.data.length);
  const shape = Array.from({ length: dims.data.length / 4 }, (_, i) => dimView.getInt32(4 * i, le));
  if (shape.some((d) => d < 0))
    throw new FormatError('mat', `the matrix at offset ${at} has dimensions [${shape.join(', ')}]`);
  const nameEl = element(buf, dims.next, le, `the name of the matrix at offset ${at}`);
  if (nameEl.type !== MI_INT8 && nameEl.type !== MI_UINT8 && nameEl.type !== MI_UTF8) {
    throw new FormatError(
      'mat',
      `the name of the matrix at offset ${at} must be miINT8 text, got type ${nameEl.type}`,
    );
  }
  const name = new TextDecoder().decode(nameEl.data);
  const real = element(buf, nameEl.next, le, `the data of '${name}'`);
  const stored = MI_NUMERIC[real.type];
  if (stored === undefined)
    throw new FormatError('mat', `the data of '${name}' has type ${real.type}, not a numeric type`);
  const needed = shapeSize(shape) * stored.size;
  if (real.data.length !== needed) {
    throw new FormatError(
      'mat',
      `'${name}' has dimensions [${shape.join(', ')}] of ${stored.name}, which need ${needed} bytes; its data holds ${real.data.length}`,
    );
  }
  const values =
    real.type === MI_INT64 || real.type === MI_UINT64
      ? int64ToFloat64(real.data, real.type === MI_INT64, le, 'mat')
      : readElements(real.data, stored.dtype, le);
  const logical = cls === MX_UINT8 && (word & LOGICAL_FLAG) !== 0;
  const dtype = logical ? 'bool' : classDtype;
  return [name, ndarray(dtype, shape, fortranToC(convert(values, stored.dtype, dtype, name), shape))];
}

/**
 * Reads the numeric matrices of a MATLAB Level 5 MAT-file (what MATLAB v5–v7 and `scipy.io.savemat`
 * write; e.g. scikit-learn's `olivettifaces.mat`), keyed by variable name: either byte order, compressed
 * (miCOMPRESSED, zlib) or not, small-data-element tags. Classes double, single, (u)int8/16/32 keep their
 * type (int64/uint64 become float64 within ±2^53; logical becomes bool), whatever type the data were
 * stored as; MATLAB's column-major data come back in C order with the same shape. Cell, struct, object,
 * char, sparse, function-handle and complex variables are skipped (absent from the result). v7.3
 * (HDF5) files are a FormatError.
 *
 * @example
 * ```ts
 * const { faces } = parseMat(readFileSync('olivettifaces.mat')); // float64 [4096, 400]
 * ```
 */
export function parseMat(bytes: Bytes): Record<string, NdArray> {
  const buf = maybeGunzip(bytes, 'mat');
  if (buf.length < 128) {
    throw new FormatError(
      'mat',
      `truncated: a Level 5 MAT-file starts with a 128-byte header, the input has ${buf.length} bytes`,
    );
  }
  const indicator = String.fromCharCode(buf[126]!, buf[127]!);
  if (indicator !== 'IM' && indicator !== 'MI') {
    throw new FormatError(
      'mat',
      `not a Level 5 MAT-file: expected the endian indicator 'IM' or 'MI' at bytes 126–127, got ${JSON.stringify(indicator)}`,
    );
  }
  const le = indicator === 'IM';
  const head = new DataView(buf.buffer, buf.byteOffset, 128);
  const version = head.getUint16(124, le);
  if (version !== 0x0100) {
    const hint = version === 0x0200 ? ' (a v7.3 file, which is HDF5)' : '';
    throw new FormatError(
      'mat',
      `unsupported MAT-file version 0x${version.toString(16)}${hint}; expected 0x0100`,
    );
  }
  // The subsystem data (function handles, objects) sit at this offset; 0 or spaces when absent.
  const subsys = head.getUint32(le ? 120 : 116, le) * 2 ** 32 + head.getUint32(le ? 116 : 120, le);
  const arrays = new Map<string, NdArray>();
  for (let at = 128; at < buf.length; ) {
    const outer = element(buf, at, le, 'a variable', false);
    const start = at;
    at =
      outer.type === MI_COMPRESSED ? outer.next : Math.min(start + 8 + padded(outer.data.length), buf.length);
    if (start === subsys) continue;
    let inner: Uint8Array = outer.data;
    if (outer.type === MI_COMPRESSED) {
      const inflated = inflate(outer.data, start);
      const el = element(inflated, 0, le, `the compressed variable at offset ${start}`);
      if (el.type !== MI_MATRIX) {
        throw new FormatError(
          'mat',
          `the compressed variable at offset ${start} holds type ${el.type}, expected miMATRIX (14)`,
        );
      }
      inner = el.data;
    } else if (outer.type !== MI_MATRIX) {
      throw new FormatError(
        'mat',
        `expected a miMATRIX (14) or miCOMPRESSED (15) element at offset ${start}, got type ${outer.type}`,
      );
    }
    const entry = matrix(inner, le, start);
    if (entry === undefined) continue;
    if (arrays.has(entry[0])) throw new FormatError('mat', `two variables are named '${entry[0]}'`);
    arrays.set(entry[0], entry[1]);
  }
  return Object.fromEntries(arrays);
}

/** The class (bool: logical uint8) and data type a dtype is written as: the first the reader maps to it. */
function writeAs(dtype: DType): [cls: number, mi: number] {
  const stored = dtype === 'bool' ? 'uint8' : dtype;
  const first = (table: Readonly<Record<number, unknown>>, match: (v: unknown) => boolean) =>
    Number(Object.keys(table).find((k) => match(table[Number(k)])));
  return [
    first(CLASS_DTYPE, (d) => d === stored),
    first(MI_NUMERIC, (m) => (m as { dtype: DType }).dtype === stored),
  ];
}

/** A tagged element, its data padded to 8 bytes (or the 8-byte small form when the data fit in 4). */
function tagged(type: number, data: Uint8Array, small = false): Uint8Array {
  if (small && data.length <= 4) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setUint32(0, (data.length << 16) | type, true);
    out.set(data, 4);
    return out;
  }
  if (data.length > 0xffffffff - 8)
    throw new FormatError('mat', `an element of ${data.length} bytes exceeds 4 GiB`);
  const out = new Uint8Array(8 + padded(data.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

/** A miCOMPRESSED element: the zlib stream of `element`, unpadded (the next element follows directly). */
function compressed(element: Uint8Array): Uint8Array {
  const z = zlibSync(element);
  const out = tagged(MI_COMPRESSED, z);
  return out.subarray(0, 8 + z.length);
}

/**
 * Writes numeric arrays as a little-endian Level 5 MAT-file that MATLAB and `scipy.io.loadmat` read: each
 * array a matrix of its dtype's class (bool as logical), column-major, optionally zlib-compressed
 * (miCOMPRESSED, as MATLAB v7 does). MATLAB arrays have at least two dimensions, so a 1-D shape `[n]`
 * is written as `[1, n]` and a scalar `[]` as `[1, 1]`. Names must be MATLAB identifiers.
 *
 * @example
 * ```ts
 * const mat = encodeMat({ faces: { dtype: 'float64', shape: [2, 2], data: new Float64Array([1, 2, 3, 4]) } });
 * parseMat(mat).faces?.data; // Float64Array [1, 2, 3, 4]
 * ```
 */
export function encodeMat(arrays: Record<string, NdArray>, options: { compress?: boolean } = {}): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  header.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, written by @cnn/datasets'));
  header.fill(0, 116, 124);
  header.set([0x00, 0x01, 0x49, 0x4d], 124); // version 0x0100 little-endian, then 'IM'
  const parts: Uint8Array[] = [header];
  for (const [name, array] of Object.entries(arrays)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
      throw new FormatError(
        'mat',
        `'${name}' is not a MATLAB variable name (a letter, then up to 62 letters, digits or _)`,
      );
    }
    checkNdArray(array, 'mat', `array '${name}'`);
    const shape = array.shape.length >= 2 ? array.shape : [1, array.shape[0] ?? 1];
    if (shape.some((d) => d > 0x7fffffff))
      throw new FormatError('mat', `'${name}' has a dimension beyond 2^31 − 1`);
    const [cls, mi] = writeAs(array.dtype);
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, cls | (array.dtype === 'bool' ? LOGICAL_FLAG : 0), true);
    const dims = elementBytes(Int32Array.from(shape), true);
    const body = concatBytes([
      tagged(MI_UINT32, flags),
      tagged(MI_INT32, dims),
      tagged(MI_INT8, new TextEncoder().encode(name), true),
      tagged(mi, elementBytes(cToFortran(array.data, shape), true)),
    ]);
    const element = tagged(MI_MATRIX, body);
    parts.push(options.compress ? compressed(element) : element);
  }
  return concatBytes(parts);
}
