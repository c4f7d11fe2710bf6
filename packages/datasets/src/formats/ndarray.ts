import { FormatError } from '../errors';

/**
 * The typed array that holds each element type (`bool` as bytes, 0 or 1).
 *
 * @example
 * ```ts
 * const data: DTypeArrays['int16'] = new Int16Array(4);
 * ```
 */
export interface DTypeArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  bool: Uint8Array;
}

/**
 * Element types the array parsers return. 64-bit integers have no exact typed array here: `parseNpy` and
 * `parseMat` turn them into `float64` and refuse values beyond ±2^53, which a double cannot hold exactly.
 *
 * @example
 * ```ts
 * const dtype: DType = 'float32';
 * ```
 */
export type DType = keyof DTypeArrays;

/**
 * Any of the typed arrays of {@link DTypeArrays}.
 *
 * @example
 * ```ts
 * const data: TypedArray = new Float64Array([1, 2]);
 * ```
 */
export type TypedArray = DTypeArrays[DType];

/**
 * An n-dimensional array as the .npy, .npz, .mat and IDX parsers return it: elements in C order (last axis
 * fastest), `data.length` the product of `shape`, and `data` the typed array of `dtype`, so checking
 * `dtype` narrows `data`.
 *
 * @example
 * ```ts
 * const a: NdArray = { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) };
 * if (a.dtype === 'float32') a.data[1 * 3 + 2] = 1; // element (1, 2)
 * ```
 */
export type NdArray = { [D in DType]: { dtype: D; shape: number[]; data: DTypeArrays[D] } }[DType];

type Constructor = {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
};

const CONSTRUCTORS: Record<DType, Constructor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  bool: Uint8Array,
};

const DTYPES = Object.keys(CONSTRUCTORS) as readonly DType[];

/**
 * Bytes per element of each {@link DType}.
 *
 * @example
 * ```ts
 * ELEMENT_SIZE.float64; // 8
 * ```
 */
export const ELEMENT_SIZE = Object.fromEntries(
  DTYPES.map((d) => [d, CONSTRUCTORS[d].BYTES_PER_ELEMENT]),
) as Readonly<Record<DType, number>>;

/** True on little-endian hosts (all current ones); decides when a typed-array view can skip a byte swap. */
const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const TWO_POW_32 = 2 ** 32;
// 2^53 / 2^32: the largest high word of a 64-bit integer that a double still holds exactly.
const MAX_EXACT_HIGH = 2 ** 21;

/**
 * An array of `dtype` from parts the caller has checked agree (one cast, kept in one place).
 *
 * @example
 * ```ts
 * const a = ndarray('int16', [2], Int16Array.of(1, -1));
 * ```
 */
export function ndarray(dtype: DType, shape: number[], data: TypedArray): NdArray {
  return { dtype, shape, data } as NdArray;
}

/**
 * A zeroed typed array of `dtype` with `length` elements.
 *
 * @example
 * ```ts
 * allocate('uint16', 3); // Uint16Array [0, 0, 0]
 * ```
 */
export function allocate(dtype: DType, length: number): TypedArray {
  return new CONSTRUCTORS[dtype](length);
}

/**
 * The number of elements of `shape`: the product of its dimensions (1 for `[]`). A float product, so a
 * lying header gives a huge number (or Infinity) to compare with the bytes there, never a wrapped one.
 *
 * @example
 * ```ts
 * shapeSize([2, 3, 4]); // 24
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Checks an array handed to an encoder: a known dtype, a shape of non-negative integers, and data of the
 * dtype's typed array with one element per index. Returns the element count.
 *
 * @example
 * ```ts
 * checkNdArray({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(4) }, 'npy'); // 4
 * ```
 */
export function checkNdArray(array: NdArray, format: string, what = 'the array'): number {
  const { dtype, shape, data } = array ?? {};
  if (!DTYPES.includes(dtype)) {
    throw new FormatError(format, `${what} has dtype ${String(dtype)}; expected one of ${DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(format, `${what} needs a shape of non-negative integers, got ${String(shape)}`);
  }
  const Ctor = CONSTRUCTORS[dtype];
  if (!(data instanceof Ctor)) {
    const got = (data as unknown as { constructor?: { name?: string } } | undefined)?.constructor?.name;
    throw new FormatError(
      format,
      `${what} has dtype ${dtype}, so its data must be a ${Ctor.name}, got ${got}`,
    );
  }
  const n = shapeSize(shape);
  if (data.length !== n) {
    throw new FormatError(
      format,
      `${what} has shape [${shape.join(', ')}] (${n} elements) but ${data.length} values`,
    );
  }
  return n;
}

/** Reverses the byte order of every `size`-byte word of `bytes`, in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * The elements stored in `bytes` as a typed array of `dtype`: a view of the same memory when the offset is
 * aligned and the byte order is the host's, a copy (byte-swapped if needed) otherwise. `bytes.length` must
 * be a multiple of the element size.
 *
 * @example
 * ```ts
 * readElements(Uint8Array.of(0x01, 0x02), 'uint16', false); // Uint16Array [258]
 * ```
 */
export function readElements(bytes: Uint8Array, dtype: DType, littleEndian: boolean): TypedArray {
  const size = ELEMENT_SIZE[dtype];
  const Ctor = CONSTRUCTORS[dtype];
  const count = Math.floor(bytes.length / size);
  const native = size === 1 || littleEndian === NATIVE_LITTLE_ENDIAN;
  if (native && bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, count);
  // A fresh buffer starting at offset 0, so the view is aligned. (Not slice(): on a Node Buffer it is a view.)
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  if (!native) swapBytes(copy, size);
  return new Ctor(copy.buffer, 0, count);
}

/**
 * `data` as bytes in the given byte order (a view when that is the host's order, else a swapped copy).
 *
 * @example
 * ```ts
 * elementBytes(Uint16Array.of(258), false); // Uint8Array [1, 2]
 * ```
 */
export function elementBytes(data: TypedArray, littleEndian: boolean): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data.BYTES_PER_ELEMENT === 1 || littleEndian === NATIVE_LITTLE_ENDIAN) return view;
  const copy = new Uint8Array(view);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/**
 * 64-bit integers (8 bytes each) as doubles. Values beyond ±2^53 would be rounded, so they are refused
 * with a FormatError that names the first one's index.
 *
 * @example
 * ```ts
 * int64ToFloat64(new Uint8Array(new BigInt64Array([-5n]).buffer), true, true, 'npy'); // Float64Array [-5]
 * ```
 */
export function int64ToFloat64(
  bytes: Uint8Array,
  signed: boolean,
  littleEndian: boolean,
  format: string,
): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(Math.floor(bytes.length / 8));
  for (let i = 0; i < out.length; i++) {
    const at = i * 8;
    const lo = view.getUint32(littleEndian ? at : at + 4, littleEndian);
    const hiAt = littleEndian ? at + 4 : at;
    const hi = signed ? view.getInt32(hiAt, littleEndian) : view.getUint32(hiAt, littleEndian);
    if (hi > MAX_EXACT_HIGH || (hi === MAX_EXACT_HIGH && lo !== 0) || hi < -MAX_EXACT_HIGH) {
      const kind = signed ? 'int64' : 'uint64';
      throw new FormatError(
        format,
        `${kind} element ${i} is beyond ±2^53, so it has no exact float64; only 64-bit integers within ±2^53 are read`,
      );
    }
    out[i] = hi * TWO_POW_32 + lo;
  }
  return out;
}

/** Walks all indices of `shape` in column-major order, calling `visit(fortranIndex, cIndex)`. */
function walk(shape: readonly number[], visit: (f: number, c: number) => void): void {
  const n = shapeSize(shape);
  const nd = shape.length;
  const cStride: number[] = new Array(nd);
  for (let k = nd - 1, s = 1; k >= 0; k--) {
    cStride[k] = s;
    s *= shape[k]!;
  }
  const index: number[] = new Array(nd).fill(0);
  let c = 0;
  for (let f = 0; f < n; f++) {
    visit(f, c);
    // Odometer over the column-major index: axis 0 turns fastest.
    for (let k = 0; k < nd; k++) {
      index[k]!++;
      c += cStride[k]!;
      if (index[k]! < shape[k]!) break;
      c -= cStride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
}

/** True when column-major and C order list the elements alike: at most one dimension exceeds 1. */
function sameOrder(shape: readonly number[]): boolean {
  return shape.filter((d) => d > 1).length <= 1;
}

/** A zeroed array of the same element type as `data` (a Node Buffer gives a plain Uint8Array). */
function like<T extends TypedArray>(data: T): T {
  const Ctor = Object.values(CONSTRUCTORS).find((C) => data instanceof C)!;
  return new Ctor(data.length) as T;
}

/**
 * Column-major (Fortran, MATLAB) data of `shape` rearranged into C order (last axis fastest), as a new
 * array of the same type; returned as is when both orders coincide.
 *
 * @example
 * ```ts
 * fortranToC(Float32Array.of(1, 4, 2, 5, 3, 6), [2, 3]); // Float32Array [1, 2, 3, 4, 5, 6]
 * ```
 */
export function fortranToC<T extends TypedArray>(data: T, shape: readonly number[]): T {
  if (sameOrder(shape)) return data;
  const out = like(data);
  walk(shape, (f, c) => {
    out[c] = data[f]!;
  });
  return out;
}

/**
 * C-order data of `shape` rearranged into column-major order: the inverse of {@link fortranToC}.
 *
 * @example
 * ```ts
 * cToFortran(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]); // Float32Array [1, 4, 2, 5, 3, 6]
 * ```
 */
export function cToFortran<T extends TypedArray>(data: T, shape: readonly number[]): T {
  if (sameOrder(shape)) return data;
  const out = like(data);
  walk(shape, (f, c) => {
    out[f] = data[c]!;
  });
  return out;
}

/**
 * The parts one after another, in a new array (encoders assemble files with it).
 *
 * @example
 * ```ts
 * concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
