import { platform } from '#platform';
import { FormatError } from './errors';

/** Anything a parser takes: bytes as `Uint8Array` (Node's `Buffer` is one) or an `ArrayBuffer`. */
export type Bytes = Uint8Array | ArrayBuffer;

/** The bytes as a `Uint8Array` view, without copying. */
export function asUint8(bytes: Bytes): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

/** True when the bytes start with gzip's magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Deflate's largest compression ratio (about 1032:1): a gzip trailer claiming more is lying. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The bytes, inflated first when they are gzipped (Node's zlib, or fflate in a browser); `format` names the
 * caller in errors. The trailer's size is checked before inflating (fflate allocates what it claims, so a
 * corrupt trailer must not reach it) and against the output after.
 */
export function maybeGunzip(bytes: Bytes, format: string): Uint8Array {
  const view = asUint8(bytes);
  if (!isGzip(view)) return view;
  const n = view.length;
  // 10-byte header, 8-byte trailer (CRC-32, then the size modulo 2^32).
  if (n < 18) {
    throw new FormatError(
      format,
      `the gzip stream is truncated: ${n} bytes cannot hold its header and trailer`,
    );
  }
  const claimed = new DataView(view.buffer, view.byteOffset + n - 4, 4).getUint32(0, true);
  if (claimed > n * MAX_DEFLATE_RATIO) {
    throw new FormatError(
      format,
      `the gzip stream is truncated or corrupt: its trailer claims ${claimed} bytes from ${n} compressed ones`,
    );
  }
  let out: Uint8Array;
  try {
    out = platform.gunzip(view);
  } catch (error) {
    throw new FormatError(format, `the gzip stream is corrupt or truncated (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (out.length % 2 ** 32 !== claimed) {
    throw new FormatError(
      format,
      `the gzip stream is truncated or corrupt: it inflates to ${out.length} bytes, its trailer says ${claimed}`,
    );
  }
  return out;
}

/**
 * Bounds-checked reading for parsers: every read names what it wanted, so a truncated file fails with
 * "expected N bytes of X at offset O, the input has L" instead of reading `undefined`.
 */
export class ByteReader {
  readonly view: DataView;
  offset = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly format: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws a truncation error unless `n` more bytes are there. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new FormatError(
        this.format,
        `truncated: expected ${n} bytes of ${what} at offset ${this.offset}, the input has ${this.bytes.length}`,
      );
    }
  }

  /** The next `n` bytes as a view (no copy). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  uint8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  uint16(what: string, littleEndian: boolean): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, littleEndian);
    this.offset += 2;
    return v;
  }

  uint32(what: string, littleEndian: boolean): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, littleEndian);
    this.offset += 4;
    return v;
  }
}
