import { fromBfloat16, fromHalf, toBfloat16, toHalf } from '@cnn/core';
import { WeightFormatError } from './errors';

// safetensors (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
// `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: text } }`, then the tensors'
// bytes, little-endian, row-major, offsets relative to the data's start, with neither holes nor overlaps.

/**
 * The element types safetensors names (those a CNN checkpoint holds), with their sizes in bytes.
 *
 * @example
 * ```ts
 * SAFETENSORS_DTYPES.BF16; // 2
 * ```
 */
export const SAFETENSORS_DTYPES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

/** An element type of {@link SAFETENSORS_DTYPES}. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

/** One tensor of a safetensors file: its dtype, shape, and its bytes (a view into the file, not a copy). */
export interface SafeTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** A parsed safetensors file: tensors by name, in file order, and the header's `__metadata__`. */
export interface Safetensors {
  readonly tensors: Map<string, SafeTensor>;
  readonly metadata: Record<string, string>;
}

/** The JSON header may not be larger than this (safetensors' own limit), whatever the length field says. */
const MAX_HEADER = 100_000_000;

const fail = (message: string, options?: ErrorOptions) =>
  new WeightFormatError('safetensors', message, options);

/**
 * Reads a safetensors file (PyTorch / timm checkpoints). The header is checked against the file before
 * anything is allocated: its length, every tensor's dtype, shape and offsets (inside the data, the size
 * its shape and dtype take, no gaps or overlaps). Tensors are views into `bytes`; anything malformed throws
 * a {@link WeightFormatError}.
 *
 * @example
 * ```ts
 * const { tensors } = parseSafetensors(await readFile('resnet18.safetensors'));
 * tensors.get('conv1.weight'); // { dtype: 'F32', shape: [64, 3, 7, 7], bytes }
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw fail(`expected the file's bytes (a Uint8Array)`);
  if (bytes.byteLength < 8) throw fail(`a file needs at least 8 bytes, got ${bytes.byteLength}`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) {
    throw fail(
      `the header length field says ${length} bytes; the file holds ${bytes.byteLength - 8} after it`,
    );
  }
  const n = Number(length);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw fail(`the ${n}-byte header is not UTF-8 JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail(`the header must be a JSON object, got ${JSON.stringify(header)?.slice(0, 60)}`);
  }
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: [string, SafeTensor, number, number][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw fail('__metadata__ must be an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw fail(`__metadata__.${k} must be text, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: at } = (raw ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPES, dtype)) {
      throw fail(
        `tensor ${name}: dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw fail(
        `tensor ${name}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    if (
      !Array.isArray(at) ||
      at.length !== 2 ||
      !at.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      at[0] > at[1]
    ) {
      throw fail(
        `tensor ${name}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(at)}`,
      );
    }
    const [begin, end] = at as [number, number];
    const size =
      shape.reduce((a: number, b: number) => a * b, 1) * SAFETENSORS_DTYPES[dtype as SafetensorsDtype];
    if (size !== end - begin) {
      throw fail(
        `tensor ${name}: ${dtype} ${JSON.stringify(shape)} takes ${size} bytes, its offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    if (end > data.byteLength) {
      throw fail(
        `tensor ${name}: its data ends at byte ${end}, the file holds ${data.byteLength} after the header (cut short?)`,
      );
    }
    entries.push([
      name,
      { dtype: dtype as SafetensorsDtype, shape, bytes: data.subarray(begin, end) },
      begin,
      end,
    ]);
  }
  // Contiguous and complete, as the format demands: sorted by offset, each starts where the last ended.
  const sorted = [...entries].sort((a, b) => a[2] - b[2] || a[3] - b[3]);
  let cursor = 0;
  for (const [name, , begin, end] of sorted) {
    if (begin !== cursor)
      throw fail(`tensor ${name} starts at byte ${begin}, expected ${cursor}: a gap or an overlap`);
    cursor = end;
  }
  if (cursor !== data.byteLength) {
    throw fail(`the tensors end at byte ${cursor} of the data but the file holds ${data.byteLength}`);
  }
  return { tensors: new Map(entries.map(([name, t]) => [name, t])), metadata };
}

/**
 * A tensor's values as float32, whatever its dtype (F64 and 64-bit integers rounded to the nearest float32).
 *
 * @example
 * ```ts
 * const w = safeTensorValues(tensors.get('fc.weight')!);   // Float32Array(512 * 1000)
 * ```
 */
export function safeTensorValues(tensor: SafeTensor): Float32Array {
  const { dtype, bytes } = tensor;
  const count = bytes.byteLength / SAFETENSORS_DTYPES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    // Little-endian hosts (all that run tfjs) copy; unaligned views need the copy anyway.
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const read: Record<SafetensorsDtype, (i: number) => number> = {
    F64: (i) => view.getFloat64(8 * i, true),
    F32: (i) => view.getFloat32(4 * i, true),
    F16: (i) => fromHalf(view.getUint16(2 * i, true)),
    BF16: (i) => fromBfloat16(view.getUint16(2 * i, true)),
    I64: (i) => Number(view.getBigInt64(8 * i, true)),
    I32: (i) => view.getInt32(4 * i, true),
    I16: (i) => view.getInt16(2 * i, true),
    I8: (i) => view.getInt8(i),
    U64: (i) => Number(view.getBigUint64(8 * i, true)),
    U32: (i) => view.getUint32(4 * i, true),
    U16: (i) => view.getUint16(2 * i, true),
    U8: (i) => view.getUint8(i),
    BOOL: (i) => (view.getUint8(i) ? 1 : 0),
  };
  const get = read[dtype];
  for (let i = 0; i < count; i++) out[i] = get(i);
  return out;
}

/** A tensor to write: dtype, shape and values (nearest-even for F16/BF16, truncated for integers). */
export interface SafeTensorInput {
  readonly dtype?: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/**
 * Writes tensors as a safetensors file: tensors in name order, the header padded with spaces to a multiple
 * of 8 bytes (so that every tensor starts aligned), as the Python library writes. `dtype` defaults to F32.
 *
 * @example
 * ```ts
 * const file = encodeSafetensors({ 'fc.weight': { shape: [2, 3], values: w } }, { format: 'pt' });
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafeTensorInput>> | ReadonlyMap<string, SafeTensorInput>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list = [...(tensors instanceof Map ? tensors : Object.entries(tensors))].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  ) as [string, SafeTensorInput][];
  const header: Record<string, unknown> = metadata ? { __metadata__: { ...metadata } } : {};
  let offset = 0;
  for (const [name, t] of list) {
    const dtype = t.dtype ?? 'F32';
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.values.length) {
      throw fail(
        `tensor ${name}: shape ${JSON.stringify(t.shape)} holds ${count} values, got ${t.values.length}`,
      );
    }
    header[name] = {
      dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + count * SAFETENSORS_DTYPES[dtype]],
    };
    offset += count * SAFETENSORS_DTYPES[dtype];
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const [, t] of list) {
    const dtype = t.dtype ?? 'F32';
    const write: Record<SafetensorsDtype, (o: number, x: number) => void> = {
      F64: (o, x) => view.setFloat64(o, x, true),
      F32: (o, x) => view.setFloat32(o, x, true),
      F16: (o, x) => view.setUint16(o, toHalf(x), true),
      BF16: (o, x) => view.setUint16(o, toBfloat16(x), true),
      I64: (o, x) => view.setBigInt64(o, BigInt(Math.trunc(x)), true),
      I32: (o, x) => view.setInt32(o, x, true),
      I16: (o, x) => view.setInt16(o, x, true),
      I8: (o, x) => view.setInt8(o, x),
      U64: (o, x) => view.setBigUint64(o, BigInt(Math.trunc(x)), true),
      U32: (o, x) => view.setUint32(o, x, true),
      U16: (o, x) => view.setUint16(o, x, true),
      U8: (o, x) => view.setUint8(o, x),
      BOOL: (o, x) => view.setUint8(o, x ? 1 : 0),
    };
    const size = SAFETENSORS_DTYPES[dtype];
    for (let i = 0; i < t.values.length; i++) write[dtype](at + i * size, t.values[i]!);
    at += t.values.length * size;
  }
  return out;
}
