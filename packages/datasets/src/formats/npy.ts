import { ByteReader, type Bytes, maybeGunzip } from '../bytes';
import { FormatError } from '../errors';
import {
  checkNdArray,
  type DType,
  ELEMENT_SIZE,
  elementBytes,
  fortranToC,
  int64ToFloat64,
  type NdArray,
  ndarray,
  readElements,
  shapeSize,
} from './ndarray';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A Python literal as .npy headers use them; tuples and lists kept apart (numpy wants a tuple shape). */
type PyValue = string | number | boolean | null | { tuple: PyValue[] } | { list: PyValue[] };

/** A strict reader of the Python literal subset numpy writes: one dict of strings, ints, bools and tuples. */
class PyLiteral {
  private p = 0;

  constructor(private readonly s: string) {}

  private fail(what: string): never {
    const near = JSON.stringify(this.s.slice(this.p, this.p + 20));
    throw new FormatError('npy', `bad header dictionary: ${what} at character ${this.p} (${near})`);
  }

  private ws(): void {
    while (this.p < this.s.length && ' \t\r\n'.includes(this.s[this.p]!)) this.p++;
  }

  private eat(c: string): boolean {
    this.ws();
    if (this.s[this.p] !== c) return false;
    this.p++;
    return true;
  }

  /** The top-level dict, with nothing but whitespace after it. */
  dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    if (!this.eat('{')) this.fail("expected '{'");
    while (!this.eat('}')) {
      const key = this.value(0);
      if (typeof key !== 'string') this.fail('expected a string key');
      if (!this.eat(':')) this.fail("expected ':'");
      if (out.has(key)) this.fail(`key '${key}' appears twice`);
      out.set(key, this.value(0));
      if (!this.eat(',') && this.s[this.p] !== '}') this.fail("expected ',' or '}'");
    }
    this.ws();
    if (this.p !== this.s.length) this.fail('expected only padding after the dictionary');
    return out;
  }

  private value(depth: number): PyValue {
    if (depth > 16) this.fail('nested too deeply');
    this.ws();
    const c = this.s[this.p];
    if (c === "'" || c === '"') return this.string(c);
    if (c === '(' || c === '[') return this.sequence(c === '(' ? ')' : ']', depth);
    const word = /^(?:-?\d{1,40}[lL]?|True|False|None)/.exec(this.s.slice(this.p, this.p + 42))?.[0];
    if (word === undefined) this.fail('expected a string, number, True, False, None, tuple or list');
    this.p += word.length;
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    return Number(word.replace(/[lL]$/, '')); // Python 2 wrote longs as 3L
  }

  private string(quote: string): string {
    let out = '';
    for (this.p++; this.p < this.s.length; this.p++) {
      let c = this.s[this.p]!;
      if (c === quote) {
        this.p++;
        return out;
      }
      if (c === '\\') {
        c = this.s[++this.p] ?? '';
        if (c !== '\\' && c !== "'" && c !== '"') this.fail('unsupported escape in a string');
      }
      out += c;
    }
    return this.fail('unterminated string');
  }

  private sequence(close: string, depth: number): PyValue {
    this.p++;
    const items: PyValue[] = [];
    let comma = false;
    while (!this.eat(close)) {
      items.push(this.value(depth + 1));
      comma = this.eat(',');
      if (!comma && this.s[this.p] !== close) this.fail(`expected ',' or '${close}'`);
    }
    if (close === ']') return { list: items };
    // (x) is just x in Python; a tuple of one needs its comma.
    return items.length === 1 && !comma ? items[0]! : { tuple: items };
  }
}

/** descr kind+size → dtype; 8-byte integers become float64 (see {@link DType}). */
const DESCR_TYPES: Record<string, DType> = {
  b1: 'bool',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  f4: 'float32',
  f8: 'float64',
  i8: 'float64',
  u8: 'float64',
};

const DTYPE_DESCR: Record<DType, string> = {
  bool: '|b1',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  float32: '<f4',
  float64: '<f8',
};

/** Reads the header dict: the element type, its byte order, the order of the data and the shape. */
function header(text: string) {
  const dict = new PyLiteral(text).dict();
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new FormatError(
      'npy',
      `the header must have exactly the keys descr, fortran_order, shape; got ${keys}`,
    );
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string') {
    throw new FormatError(
      'npy',
      'structured (record) dtypes are not supported; descr must be a simple type like <f4',
    );
  }
  const m = /^([<>|=]?)([biuf]\d)$/.exec(descr);
  const dtype = m ? DESCR_TYPES[m[2]!] : undefined;
  if (!m || dtype === undefined) {
    throw new FormatError(
      'npy',
      `unsupported dtype '${descr}'; parseNpy reads bool, int8/16/32/64, uint8/16/32/64, float32 and float64`,
    );
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new FormatError('npy', 'fortran_order must be True or False');
  const shape = dict.get('shape');
  const dims = shape !== null && typeof shape === 'object' && 'tuple' in shape ? shape.tuple : undefined;
  if (dims === undefined || !dims.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError('npy', 'shape must be a tuple of non-negative integers, like (2, 3), (3,) or ()');
  }
  const int64 = m[2] === 'i8' || m[2] === 'u8';
  return {
    descr,
    dtype,
    bigEndian: m[1] === '>',
    int64,
    signed: m[2] === 'i8',
    fortran,
    shape: dims as number[],
  };
}

/**
 * Parses a NumPy .npy file (format versions 1.0, 2.0 and 3.0; gzipped is fine): bool, 8- to 32-bit
 * integers, float32 and float64 in either byte order, and 64-bit integers as float64 when within ±2^53.
 * Big-endian data is byte-swapped; Fortran-order data is returned in C order. Object, string, complex,
 * float16 and structured dtypes are refused. Little-endian aligned data is a view of the input.
 *
 * @example
 * ```ts
 * const a = parseNpy(readFileSync('weights.npy')); // e.g. { dtype: 'float32', shape: [3, 3, 1, 8], data }
 * ```
 */
export function parseNpy(bytes: Bytes): NdArray {
  const reader = new ByteReader(maybeGunzip(bytes, 'npy'), 'npy');
  const magic = reader.take(6, 'the magic string');
  if (!MAGIC.every((b, i) => magic[i] === b)) {
    throw new FormatError(
      'npy',
      `not an .npy file: expected the magic string \\x93NUMPY, got ${[...magic].join(' ')}`,
    );
  }
  const major = reader.uint8('the major version');
  const minor = reader.uint8('the minor version');
  if (major < 1 || major > 3)
    throw new FormatError('npy', `unsupported format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  const length =
    major === 1 ? reader.uint16('the header length', true) : reader.uint32('the header length', true);
  const raw = reader.take(length, 'the header');
  // Versions 1 and 2 store the header in Latin-1, version 3 in UTF-8.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  const { dtype, bigEndian, int64, signed, fortran, shape, descr } = header(text);
  const size = int64 ? 8 : ELEMENT_SIZE[dtype];
  const needed = shapeSize(shape) * size;
  if (needed !== reader.remaining) {
    throw new FormatError(
      'npy',
      `${needed > reader.remaining ? 'truncated' : 'trailing bytes'}: shape (${shape.join(', ')}) of '${descr}' needs ` +
        `${needed} data bytes after the ${reader.offset}-byte header, the file has ${reader.remaining}`,
    );
  }
  const body = reader.take(needed, 'the data');
  const data = int64
    ? int64ToFloat64(body, signed, !bigEndian, 'npy')
    : readElements(body, dtype, !bigEndian);
  return ndarray(dtype, shape, fortran ? fortranToC(data, shape) : data);
}

/**
 * Writes an array as a NumPy .npy file the way `numpy.save` does: format 1.0 (2.0 for a header beyond
 * 64 KiB), little-endian, C order, the header padded with spaces to a multiple of 64 bytes.
 *
 * @example
 * ```ts
 * const file = encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) });
 * // numpy: np.load(...) → array of shape (2, 3), dtype float32
 * ```
 */
export function encodeNpy(array: NdArray): Uint8Array {
  checkNdArray(array, 'npy');
  const { shape } = array;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DTYPE_DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy leaves room for the first axis to grow to 21 digits, so a writer can append in place.
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  const padded = (prefix: number) => `${dict}${' '.repeat(64 - ((prefix + dict.length + 1) % 64))}\n`;
  // Version 1.0 stores the header length in 16 bits; 2.0 in 32.
  const version = padded(10).length <= 65535 ? 1 : 2;
  const prefix = version === 1 ? 10 : 12;
  const text = padded(prefix);
  const data = elementBytes(array.data, true);
  const out = new Uint8Array(prefix + text.length + data.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.set(data, prefix + text.length);
  return out;
}
